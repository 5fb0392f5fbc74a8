/**
 * The idle timeout of an App WebSocket (`idleTimeout`, `sendPingsAutomatically` and
 * `resetIdleTimeoutOnSend` of websocket-behavior.ts): when its timer is armed, for how long, and
 * what its expiry means. The timing itself is the transport's per-socket timer (`setTimeout`,
 * whole seconds on a coarse wheel); the WebSocket arms it and acts on `onTimeout`.
 *
 * - Armed when the socket opens, re-armed by every received chunk (and by every send with
 *   `resetIdleTimeoutOnSend`). `idleTimeout` 0: never armed.
 * - With automatic pings (the default): the first expiry, at half the timeout, sends a ping and
 *   arms the timer for the rest; a pong (any received data) re-arms it from the start, so a live
 *   peer stays open and a dead one is dropped at `idleTimeout` (close handler code 1006).
 * - Without: the expiry at `idleTimeout` drops the socket.
 * After our close frame the same timer bounds the close handshake instead (see the WebSocket's
 * `armCloseTimer`), and an expiry then drops the socket whatever these say.
 */
import type { ResolvedBehavior } from './websocket-behavior.js';

/** Seconds from the last activity to the timer's first expiry; 0 when the route has no idle timeout. */
export function idleTimerDelay(behavior: ResolvedBehavior): number {
  const idle = behavior.idleTimeout;
  if (idle <= 0) return 0;
  return behavior.sendPingsAutomatically ? halfIdle(idle) : idle;
}

/** Whether this expiry sends the idle ping (`pingSent`: it was sent already) rather than dropping the socket. */
export function idlePingDue(behavior: ResolvedBehavior, pingSent: boolean): boolean {
  return behavior.sendPingsAutomatically && !pingSent;
}

/** Seconds the peer has after the idle ping before it is dropped: the rest of `idleTimeout`. */
export function idleTimerAfterPing(behavior: ResolvedBehavior): number {
  return behavior.idleTimeout - halfIdle(behavior.idleTimeout);
}

/** First idle phase when pings are automatic: ping at half the timeout, drop at the full one. */
function halfIdle(idle: number): number {
  return Math.max(1, Math.ceil(idle / 2));
}
