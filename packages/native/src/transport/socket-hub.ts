/**
 * One started transport shared by every socket owner that runs on it: a transport takes one
 * handler, so the hub routes each socket's events to the entry that owns the socket (a
 * `Client`, a ws-compat WebSocket or pending upgrade), and accepted sockets to whoever listens.
 * {@link hubFor} keeps one hub per transport choice, so every client and ws-compat server of a
 * thread shares one transport of each kind.
 */
import type { Socket } from 'node:net';
import { rethrowOnNextTick } from '../rethrow-on-next-tick.js';
import { type TransportChoice, createTransport } from './select-transport.js';
import { SocketTable, compactId } from './socket-table.js';
import type { SocketId, TlsConnectOptions, Transport, TransportHandler } from './transport.js';

/**
 * What owns a socket of a hub: the hub calls these with the socket's events. The names start
 * with `_` because they sit on user-facing classes (ws's `WebSocket`) where they are not API.
 */
export interface HubEntry {
  /** The connect completed, or an adopted socket is ready. Not called for accepted sockets. */
  _onOpen(): void;
  /** Bytes arrived; `data` is valid during the call only. */
  _onData(data: Uint8Array): void;
  /** The socket's backlog was written out. */
  _onDrain(): void;
  /** The timeout set with `transport.setTimeout` expired. */
  _onTimeout(): void;
  /** The socket closed (`errno` 0 for a clean close); the hub has forgotten the entry already. */
  _onClose(errno: number): void;
}

/** Makes the entry of a socket that a listener accepted. */
export type AcceptFn = (hub: SocketHub, id: SocketId) => HubEntry;

/** A callback {@link SocketHub.defer} runs: ws's send callback shape. */
export type DeferredCallback = (error?: Error | null) => void;

/**
 * A started transport and the owners of its sockets: routes each socket's events to its
 * {@link HubEntry} and accepted sockets to their listener's {@link AcceptFn}. Get one with
 * {@link hubFor}; the `Client` and `@uws/ws-compat` share them.
 */
export class SocketHub implements TransportHandler {
  /** The transport, started with this hub as its handler. */
  readonly transport: Transport;
  /** The entry of each socket. */
  readonly entries = new SocketTable<HubEntry>();
  /** Who makes the entries of sockets accepted by each listener (by listener id). */
  readonly listeners = new Map<number, AcceptFn>();
  /** Callbacks {@link defer} holds: run together on the next tick. */
  private callbacks: DeferredCallback[] = [];
  private callbacksQueued = false;
  private readonly runCallbacks = (): void => {
    const list = this.callbacks;
    this.callbacks = [];
    this.callbacksQueued = false;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i](null);
      } catch (error) {
        rethrowOnNextTick(error);
      }
    }
  };

  /** Starts `transport` with this hub as its handler. */
  constructor(transport: Transport) {
    this.transport = transport;
    transport.start(this);
  }

  /**
   * Runs `cb(null)` on the next tick, together with the others of this tick (a send callback
   * whose bytes left at once: one tick callback for a burst of sends, not one each). A callback
   * that throws does not stop the others; its error surfaces as an uncaught exception.
   */
  defer(cb: DeferredCallback): void {
    this.callbacks.push(cb);
    if (!this.callbacksQueued) {
      this.callbacksQueued = true;
      process.nextTick(this.runCallbacks);
    }
  }

  /** Starts connecting to `host:port` for `entry` (its `_onOpen` follows); returns the socket's id. */
  connect(host: string, port: number, entry: HubEntry, tls?: TlsConnectOptions): SocketId {
    const id = compactId(tls === undefined ? this.transport.connect(host, port) : this.transport.connect(host, port, tls));
    this.entries.set(id, entry);
    return id;
  }

  /**
   * Takes over `socket` (see `Transport.adopt`); returns its id. Store its entry with
   * `entries.set(id, entry)` before this tick ends: `_onOpen` follows.
   */
  adopt(socket: Socket, head: Uint8Array): SocketId {
    return compactId(this.transport.adopt(socket, head));
  }

  // ---- TransportHandler ------------------------------------------------------------------

  onOpen(id: SocketId, listener: number): void {
    if (listener >= 0) {
      const accept = this.listeners.get(listener);
      if (accept === undefined) {
        this.transport.destroy(id);
        return;
      }
      const small = compactId(id);
      this.entries.set(small, accept(this, small));
      return;
    }
    const entry = this.entries.get(id);
    if (entry !== undefined) entry._onOpen();
  }

  onData(id: SocketId, data: Uint8Array): void {
    const entry = this.entries.get(id);
    if (entry !== undefined) entry._onData(data);
  }

  onDrain(id: SocketId): void {
    const entry = this.entries.get(id);
    if (entry !== undefined) entry._onDrain();
  }

  onTimeout(id: SocketId): void {
    const entry = this.entries.get(id);
    if (entry !== undefined) entry._onTimeout();
  }

  onClose(id: SocketId, errno: number): void {
    const entry = this.entries.delete(id);
    if (entry !== undefined) entry._onClose(errno);
  }
}

const hubsByKind = new Map<string, SocketHub>();
const hubsByTransport = new WeakMap<Transport, SocketHub>();

/**
 * The hub of a transport choice, made on first use: one per kind name (`'auto'`: the native
 * epoll transport where the addon loads, else node:net; `'node'`; `'epoll'`), and one per given
 * `Transport` instance (not started yet: the hub starts it).
 * @throws {Error} for `'epoll'` when the native addon cannot be used; for an unknown name.
 */
export function hubFor(choice: TransportChoice = 'auto'): SocketHub {
  if (typeof choice === 'object' && choice !== null) {
    let hub = hubsByTransport.get(choice);
    if (hub === undefined) hubsByTransport.set(choice, (hub = new SocketHub(choice)));
    return hub;
  }
  let hub = hubsByKind.get(choice);
  if (hub === undefined) hubsByKind.set(choice, (hub = new SocketHub(createTransport(choice))));
  return hub;
}
