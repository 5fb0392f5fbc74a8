/**
 * One started transport shared by every server and client of this package that runs on it: a
 * transport takes one handler, so the hub routes each socket's events to its owner (a pending
 * HTTP upgrade, a client handshake or a WebSocket), and accepted sockets to the server that
 * listens.
 */
import type { SocketId, Transport, TransportChoice, TransportHandler } from '@uws/native';
import { NodeTransport, createTransport } from '@uws/native';
import { HubEntries } from './hub-entries.js';

/** What owns a socket of a hub. */
export interface HubEntry {
  /** The connect completed, or an adopted socket is ready. */
  _onOpen(): void;
  _onData(data: Uint8Array): void;
  _onDrain(): void;
  _onTimeout(): void;
  _onClose(errno: number): void;
}

/**
 * `id` as a small integer when it is one. Transports compute ids in float64 arithmetic; as a
 * Map key or in an object field such a value is boxed (16 bytes per connection), a small
 * integer is not.
 */
export function compactId(id: SocketId): SocketId {
  return id >= 0 && id <= 0x7fffffff ? id | 0 : id;
}

/** Makes the entry for a socket a listener accepted. */
export type AcceptFn = (hub: Hub, id: SocketId) => HubEntry;

type Callback = (error?: Error | null) => void;

export class Hub implements TransportHandler {
  readonly transport: Transport;
  readonly entries = new HubEntries<HubEntry>();
  readonly listeners = new Map<number, AcceptFn>();
  /** Send callbacks whose bytes left without backpressure: run together on the next tick. */
  private callbacks: Callback[] = [];
  private callbacksQueued = false;
  private readonly runCallbacks = (): void => {
    const list = this.callbacks;
    this.callbacks = [];
    this.callbacksQueued = false;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i](null);
      } catch (error) {
        process.nextTick(() => {
          throw error;
        });
      }
    }
  };

  constructor(transport: Transport) {
    this.transport = transport;
    transport.start(this);
  }

  /** Runs `cb()` on the next tick, together with the others of this tick. */
  defer(cb: Callback): void {
    this.callbacks.push(cb);
    if (!this.callbacksQueued) {
      this.callbacksQueued = true;
      process.nextTick(this.runCallbacks);
    }
  }

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
    this.entries.get(id)?._onOpen();
  }

  onData(id: SocketId, data: Uint8Array): void {
    const entry = this.entries.get(id);
    if (entry !== undefined) entry._onData(data);
  }

  onDrain(id: SocketId): void {
    this.entries.get(id)?._onDrain();
  }

  onTimeout(id: SocketId): void {
    this.entries.get(id)?._onTimeout();
  }

  onClose(id: SocketId, errno: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    entry._onClose(errno);
  }
}

const hubs = new Map<string, Hub>();
const hubsByTransport = new WeakMap<Transport, Hub>();

/**
 * The hub of a transport choice: `'auto'` (the native epoll transport where the addon loads,
 * else node:net), `'node'`, `'epoll'`, or a not yet started `Transport`.
 */
export function hubFor(choice: TransportChoice = 'auto'): Hub {
  if (typeof choice === 'object' && choice !== null) {
    let hub = hubsByTransport.get(choice);
    if (hub === undefined) hubsByTransport.set(choice, (hub = new Hub(choice)));
    return hub;
  }
  let hub = hubs.get(choice);
  if (hub === undefined) {
    hub = new Hub(choice === 'node' ? new NodeTransport() : createTransport(choice));
    hubs.set(choice, hub);
  }
  return hub;
}
