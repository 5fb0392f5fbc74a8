/**
 * Backpressure of an App WebSocket: what happens when its peer reads slower than we send.
 *
 * - The count: bytes accepted by the transport but not yet taken by the kernel
 *   (`Transport.bufferedAmount`; `getBufferedAmount()` on the WebSocket). The transport reports
 *   `onDrain` once they are all out.
 * - A send returns `SUCCESS` when its bytes went out whole, `BACKPRESSURE` when some wait
 *   (send-status.ts). A send while the count is past `maxBackpressure` is not made: `DROPPED`,
 *   the `dropped` handler, and with `closeOnBackpressureLimit` the socket is closed (the
 *   WebSocket's `drop`). The limits and their defaults are declared in websocket-behavior.ts.
 * - On drain the WebSocket answers the pong it owes (below), then calls the `drain` handler.
 * - Pings: past {@link PONG_BACKLOG_BYTES} of backlog only the latest ping is answered, on drain.
 */
import type { SocketId, Transport } from '../transport/transport.js';
import type { ResolvedBehavior } from './websocket-behavior.js';

/** Unsent bytes past which pings are no longer answered one by one (see {@link pongMustWait}). */
export const PONG_BACKLOG_BYTES = 64 * 1024;

/** Whether a send to `id` is dropped now: its backlog is past the route's `maxBackpressure` (0: no limit). */
export function overBackpressureLimit(behavior: ResolvedBehavior, transport: Transport, id: SocketId): boolean {
  const limit = behavior.maxBackpressure;
  return limit > 0 && transport.bufferedAmount(id) > limit;
}

/**
 * Whether the pong for a ping that just arrived must wait for drain (its payload kept as the
 * one owed) instead of going out now. RFC 6455 §5.5.3: a pong may answer only the most recent
 * ping. Every ping is answered while the backlog is small (Autobahn 2.10/2.11 expect one pong
 * per ping, and a backlog of a few bytes is only a write in flight); past PONG_BACKLOG_BYTES the
 * latest ping's payload is kept (≤ 125 bytes) and answered on drain, so a peer flooding pings
 * without reading costs a bounded amount. Once one is owed (`owed`), later pings replace it
 * (never a newer pong before an older one).
 */
export function pongMustWait(transport: Transport, id: SocketId, owed: boolean): boolean {
  return owed || transport.bufferedAmount(id) > PONG_BACKLOG_BYTES;
}
