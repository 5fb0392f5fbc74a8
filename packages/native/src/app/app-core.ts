/**
 * What a connection (HTTP phase or WebSocket) needs from the App that owns it. Kept as an
 * interface so connections do not import the App class.
 */
import type { Transport, TransportBatch, SocketId } from '../transport/transport.js';
import type { TimerWheel } from '../transport/timer-wheel.js';
import type { Lifetime } from './lifetime.js';
import type { Router } from './router.js';
import type { TopicRegistry } from './topic-registry.js';
import type { HttpHandler } from './http-response.js';
import type { ResolvedBehavior } from './websocket-behavior.js';
import type { AppWebSocket, WsRoute } from './websocket.js';
import type { SocketTable } from '../transport/socket-table.js';
import type { MessageViews } from '../transport/message-views.js';
import type { Publication } from './publication.js';
import type { BrokerLink } from './broker-link.js';

/** A connection as the App dispatches transport events to it. */
export interface SocketEntry {
  /** The transport socket this entry handles. */
  readonly id: SocketId;
  onData(data: Uint8Array): void;
  /** Optional: bytes arrived as `bytes[start, end)` (no view made for them); else `onData` gets a view. */
  onReceive?(bytes: Uint8Array, start: number, end: number): void;
  onDrain(): void;
  onTimeout(): void;
  /** The transport closed the socket (the entry is already unregistered). */
  onSocketClose(errno: number): void;
  /** `app.close()`: run close/abort handlers; the transport is closed right after. */
  forceClose(): void;
  /**
   * `app.shutdown()`: a WebSocket sends its queued data then a close frame with `code`; an HTTP
   * connection closes once idle (after the response it owes).
   */
  beginShutdown(code: number, reason: string): void;
}

/** HTTP-phase limits. */
export interface HttpLimits {
  readonly handshakeTimeout: number;
  readonly maxHeaderBytes: number;
  readonly maxHeaderCount: number;
}

export interface AppCore {
  readonly transport: Transport;
  readonly entries: SocketTable<SocketEntry>;
  readonly topics: TopicRegistry<AppWebSocket>;
  readonly httpRoutes: Router<HttpHandler>;
  readonly wsRoutes: Router<ResolvedBehavior>;
  readonly limits: HttpLimits;
  /** The transport's batch abilities (a send buffer the codec frames into, shared writes), if it has them. */
  readonly batch: TransportBatch | undefined;
  /** The publication `publish` reuses (taken while a publish runs, so a nested one makes its own). */
  sparePublication: Publication | undefined;
  /** Views that received messages are handed to `message` handlers in. */
  readonly messageViews: MessageViews;
  /** The App's way to its broker (`useBroker`), if it has one. */
  readonly broker: BrokerLink | undefined;
  /** Timers for `maxLifetime`. */
  readonly lifetimes: TimerWheel<Lifetime>;
  /** Set while `shutdown()` runs: the close every WebSocket gets, also one upgraded meanwhile. */
  readonly shuttingDown: { readonly code: number; readonly reason: string } | undefined;
  /** The route object WebSockets upgraded with `behavior` on this App share. */
  wsRoute(behavior: ResolvedBehavior): WsRoute;
}
