/**
 * The transport contract over `node:net`: works everywhere Node does. Each socket event is its
 * own batch (node:net reports sockets one by one); writes of a batch are corked and leave in
 * one writev when it ends, writes made outside a batch on the next microtask.
 */
import net from 'node:net';
import tls from 'node:tls';
import { NodeTlsContext, connectOptions, keepSessions, nodeTlsInfo } from './node-tls.js';
import { SocketTable } from './socket-table.js';
import { TimerWheel, type WheelEntry } from './timer-wheel.js';
import type { ResolvedTlsOptions, TlsSocketInfo } from './tls-options.js';
import { rethrowOnNextTick } from '../rethrow-on-next-tick.js';
import type {
  ListenHandle,
  ListenOptions,
  SocketId,
  TlsConnectOptions,
  TlsContext,
  Transport,
  TransportHandler,
} from './transport.js';

/**
 * Corked bytes past which a socket is flushed at once: beyond it batching gains nothing, and
 * bytes the kernel does not take must show up as backpressure, not hide in the cork.
 */
const CORK_FLUSH_BYTES = 16 * 1024;

/** After `end()`, a peer that does not close its side within this many seconds is cut off. */
const END_LINGER_SECONDS = 10;

/** `onOpen` listener argument for outbound and adopted sockets (see the contract). */
const OUTBOUND = -1;
const ADOPTED = -2;

/** Per-socket state. */
interface NodeSocketSlot extends WheelEntry {
  id: SocketId;
  readonly socket: net.Socket;
  /** `onClose` was reported (or the transport was closed): nothing more for this socket. */
  closed: boolean;
  /** `end()` was called: the timer now guards the linger, not the user's idle timeout. */
  ending: boolean;
  /** Corked since the current batch (or microtask) began. */
  corked: boolean;
  /** Bytes written while corked: they leave with the flush, so they are not backpressure. */
  corkedBytes: number;
  /** Unsent bytes were reported (write returned false): `onDrain` is owed when they leave. */
  backpressured: boolean;
  /** errno of the error that ended the socket, 0 for a clean end. */
  errno: number;
  /** Called by node:net after each write leaves: checks whether the backlog drained. */
  readonly onWritten: () => void;
  /** Peer address and port, read once (node:net forgets them when the socket closes). */
  remoteAddress: string | undefined;
  remotePort: number;
  /** TLS sockets: the error that ended it (message and code), '' if none. */
  tlsError: string;
  tlsCode: string;
}

const kSlot = Symbol('uws.slot');
type SlottedSocket = net.Socket & { [kSlot]?: NodeSocketSlot };

/**
 * `Transport` over `node:net`. SO_REUSEPORT is not available in node:net on Node 20, so
 * `reusePort: true` throws. Listening resolves asynchronously when a host is given (Node
 * resolves it first), so `listen` may return a promise.
 */
export class NodeTransport implements Transport {
  readonly kind = 'node';
  /** node:net writes the caller's buffer later, by reference. */
  readonly copiesWrites = false;

  private handler: TransportHandler | undefined;
  private readonly slots = new SocketTable<NodeSocketSlot>();
  private readonly listeners = new Map<number, net.Server>();
  private nextListenerId = 1;
  private readonly timers: TimerWheel<NodeSocketSlot>;
  private stopped = false;
  // In an episode of accept() failing for lack of descriptors (logged once per episode).
  private atFdLimit = false;
  private inBatch = false;
  private readonly corkedSlots: NodeSocketSlot[] = [];
  private flushQueued = false;

  // Listeners shared by every socket (`this` is the socket), so a socket costs no closures for them.
  private readonly onSocketData: (this: SlottedSocket, chunk: Buffer) => void;
  private readonly onSocketError: (this: SlottedSocket, error: NodeJS.ErrnoException) => void;
  private readonly onSocketClose: (this: SlottedSocket) => void;
  private readonly onSocketConnect: (this: SlottedSocket) => void;
  private readonly flushCorked = (): void => this.uncorkAll();

  constructor() {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the socket listeners below are shared functions whose own `this` is the socket
    const transport = this;
    this.timers = new TimerWheel((slot) => transport.expire(slot));
    this.onSocketData = function (chunk) {
      const slot = this[kSlot];
      if (slot !== undefined && !slot.closed && !transport.stopped) transport.deliverData(slot, chunk);
    };
    this.onSocketError = function (error) {
      const slot = this[kSlot];
      if (slot !== undefined && slot.errno === 0) {
        slot.errno = errnoOf(error);
        if (this instanceof tls.TLSSocket) {
          slot.tlsError = error.message;
          slot.tlsCode = String(error.code ?? '');
        }
      }
    };
    this.onSocketClose = function () {
      const slot = this[kSlot];
      if (slot !== undefined) transport.deliverClose(slot);
    };
    this.onSocketConnect = function () {
      const slot = this[kSlot];
      if (slot === undefined || slot.closed || transport.stopped) return;
      transport.readPeer(slot);
      transport.deliverOpen(slot, OUTBOUND);
    };
  }

  start(handler: TransportHandler): void {
    if (this.handler !== undefined) throw new Error('transport already started');
    this.handler = handler;
  }

  listen(options: ListenOptions): ListenHandle | Promise<ListenHandle> {
    this.assertUsable();
    if (options.reusePort) throw new Error('reusePort needs the epoll transport');
    const context = options.tls;
    if (context !== undefined && !(context instanceof NodeTlsContext)) {
      throw new TypeError('listen: the TLS context belongs to another transport');
    }
    let server: net.Server;
    if (context !== undefined) {
      const secure = tls.createServer({ ...context.serverOptions(), noDelay: true });
      secure.on('secureConnection', (socket) => this.accept(id, socket));
      // A failed or timed-out handshake ends that socket; nobody else hears of it.
      secure.on('tlsClientError', (_error, socket) => socket.destroy());
      context.attach(secure);
      server = secure;
    } else {
      server = net.createServer({ noDelay: true }, (socket) => this.accept(id, socket));
    }
    const id = this.nextListenerId++;
    const listenOptions: net.ListenOptions =
      options.path !== undefined
        ? { path: options.path, backlog: options.backlog ?? 511 }
        : { host: options.host, port: options.port ?? 0, backlog: options.backlog ?? 511, ipv6Only: options.ipv6Only ?? false };
    const handleOf = (): ListenHandle => {
      const address = server.address();
      return { id, port: typeof address === 'object' && address !== null ? address.port : 0 };
    };
    const listening = (): ListenHandle => {
      // Accept errors (EMFILE, ...) are reported per attempt; they must not crash the process.
      // libuv sheds the waiting connections at the descriptor limit; we say so once.
      server.on('error', (error: NodeJS.ErrnoException) => this.onAcceptError(error));
      this.listeners.set(id, server);
      return handleOf();
    };
    server.listen(listenOptions);
    if (server.address() !== null) return listening();
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        server.off('listening', onListening);
        reject(error);
      };
      const onListening = (): void => {
        server.off('error', onError);
        if (this.stopped) {
          server.close();
          reject(new Error('transport closed while listening'));
        } else resolve(listening());
      };
      server.once('error', onError);
      server.once('listening', onListening);
    });
  }

  closeListener(id: number): void {
    const server = this.listeners.get(id);
    if (server === undefined) return;
    this.listeners.delete(id);
    server.close();
  }

  connect(host: string, port: number, tlsOptions?: TlsConnectOptions): SocketId {
    this.assertUsable();
    if (tlsOptions !== undefined) {
      const socket = tls.connect(connectOptions(host, port, tlsOptions)) as unknown as SlottedSocket;
      keepSessions(socket as unknown as tls.TLSSocket, host, port, tlsOptions);
      socket.setNoDelay(true);
      const slot = this.register(socket);
      socket.once('secureConnect', this.onSocketConnect);
      return slot.id;
    }
    const socket = net.connect({ host, port, noDelay: true }) as SlottedSocket;
    const slot = this.register(socket);
    socket.once('connect', this.onSocketConnect);
    return slot.id;
  }

  createTlsContext(options: ResolvedTlsOptions): TlsContext {
    return new NodeTlsContext(options);
  }

  tlsInfo(id: SocketId): TlsSocketInfo | undefined {
    const slot = this.slots.get(id);
    if (slot === undefined || !(slot.socket instanceof tls.TLSSocket)) return undefined;
    return nodeTlsInfo(slot.socket, slot.tlsError, slot.tlsCode);
  }

  write(id: SocketId, data: Uint8Array): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined || slot.closed || slot.ending || slot.socket.destroyed) return false;
    const socket = slot.socket;
    if (!slot.corked) {
      socket.cork();
      slot.corked = true;
      this.corkedSlots.push(slot);
      if (!this.inBatch && !this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(this.flushCorked);
      }
    }
    slot.corkedBytes += data.length;
    socket.write(data, slot.onWritten);
    if (slot.corkedBytes >= CORK_FLUSH_BYTES) this.uncork(slot);
    if (socket.writableLength - slot.corkedBytes > 0) {
      slot.backpressured = true;
      return false;
    }
    return true;
  }

  bufferedAmount(id: SocketId): number {
    const slot = this.slots.get(id);
    if (slot === undefined || slot.closed) return 0;
    return Math.max(0, slot.socket.writableLength - slot.corkedBytes);
  }

  pause(id: SocketId): void {
    const slot = this.slots.get(id);
    if (slot !== undefined && !slot.closed) slot.socket.pause();
  }

  resume(id: SocketId): void {
    const slot = this.slots.get(id);
    if (slot !== undefined && !slot.closed) slot.socket.resume();
  }

  setTimeout(id: SocketId, seconds: number): void {
    const slot = this.slots.get(id);
    if (slot === undefined || slot.closed || slot.ending) return;
    this.timers.arm(slot, seconds);
  }

  end(id: SocketId): void {
    const slot = this.slots.get(id);
    if (slot === undefined || slot.closed || slot.ending) return;
    slot.ending = true;
    // Flush what this batch corked before the FIN.
    if (slot.corked) this.uncork(slot);
    slot.socket.end();
    this.timers.arm(slot, END_LINGER_SECONDS);
  }

  destroy(id: SocketId): void {
    const slot = this.slots.get(id);
    if (slot === undefined || slot.closed) return;
    slot.socket.destroy();
  }

  remoteAddress(id: SocketId): string {
    const slot = this.slots.get(id);
    if (slot === undefined) return '';
    if (slot.remoteAddress === undefined) this.readPeer(slot);
    return slot.remoteAddress ?? '';
  }

  remotePort(id: SocketId): number {
    const slot = this.slots.get(id);
    if (slot === undefined) return 0;
    if (slot.remoteAddress === undefined) this.readPeer(slot);
    return slot.remotePort;
  }

  adopt(socket: net.Socket, head: Uint8Array): SocketId {
    this.assertUsable();
    const slot = this.register(socket);
    this.readPeer(slot);
    // Any Duplex works (a TLS socket, a stream from a proxy library): only a TCP socket has Nagle to turn off.
    if (typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    // Copied: the caller's buffer may be reused before the deferred delivery below.
    const bytes = head.length > 0 ? Uint8Array.prototype.slice.call(head) : undefined;
    process.nextTick(() => {
      if (slot.closed || this.stopped || socket.destroyed) return;
      this.deliverOpen(slot, ADOPTED);
      if (bytes !== undefined && !slot.closed) this.deliverData(slot, bytes);
      socket.resume();
    });
    return slot.id;
  }

  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const server of this.listeners.values()) server.close();
    this.listeners.clear();
    this.timers.stop();
    this.slots.forEach((slot) => {
      slot.closed = true;
      slot.socket.destroy();
    });
  }

  // ---- internals ----------------------------------------------------------------------

  private assertUsable(): void {
    if (this.handler === undefined) throw new Error('transport not started: call start(handler) first');
    if (this.stopped) throw new Error('transport closed');
  }

  private register(socket: SlottedSocket): NodeSocketSlot {
    const slot: NodeSocketSlot = {
      id: 0,
      socket,
      closed: false,
      ending: false,
      corked: false,
      corkedBytes: 0,
      backpressured: false,
      errno: 0,
      deadline: 0,
      bucket: 0,
      remoteAddress: undefined,
      remotePort: 0,
      tlsError: '',
      tlsCode: '',
      onWritten: () => this.checkDrained(slot),
    };
    slot.id = this.slots.add(slot);
    socket[kSlot] = slot;
    socket.on('data', this.onSocketData);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onSocketClose);
    return slot;
  }

  private onAcceptError(error: NodeJS.ErrnoException): void {
    if ((error.code !== 'EMFILE' && error.code !== 'ENFILE') || this.atFdLimit) return;
    this.atFdLimit = true;
    process.stderr.write(
      `uws: accept() failed with ${error.code} (out of file descriptors): new connections are closed at once until descriptors free up (raise \`ulimit -n\`)\n`,
    );
  }

  private accept(listener: number, socket: net.Socket): void {
    if (this.atFdLimit) {
      this.atFdLimit = false;
      process.stderr.write('uws: accepting connections again\n');
    }
    if (this.stopped) {
      socket.destroy();
      return;
    }
    const slot = this.register(socket);
    this.readPeer(slot);
    this.deliverOpen(slot, listener);
  }

  private readPeer(slot: NodeSocketSlot): void {
    const socket = slot.socket;
    // Unset until connected (and unknowable once closed): cache only a real answer.
    if (socket.remoteAddress === undefined) return;
    slot.remoteAddress = socket.remoteAddress;
    slot.remotePort = socket.remotePort ?? 0;
  }

  private deliverOpen(slot: NodeSocketSlot, listener: number): void {
    this.runBatch(() => this.handler!.onOpen(slot.id, listener));
  }

  private deliverData(slot: NodeSocketSlot, chunk: Uint8Array): void {
    this.runBatch(() => this.handler!.onData(slot.id, chunk));
  }

  private deliverClose(slot: NodeSocketSlot): void {
    if (slot.closed) {
      this.release(slot);
      return;
    }
    slot.closed = true;
    // Reported before the slot is freed: the id still answers remoteAddress() during onClose.
    if (!this.stopped) this.runBatch(() => this.handler!.onClose(slot.id, slot.errno));
    this.release(slot);
  }

  private release(slot: NodeSocketSlot): void {
    this.timers.remove(slot);
    if (slot.corked) {
      slot.corked = false;
      slot.corkedBytes = 0;
    }
    this.slots.delete(slot.id);
  }

  private checkDrained(slot: NodeSocketSlot): void {
    if (!slot.backpressured || slot.closed || this.stopped) return;
    if (slot.socket.writableLength - slot.corkedBytes > 0) return;
    slot.backpressured = false;
    this.runBatch(() => this.handler!.onDrain(slot.id));
  }

  private expire(slot: NodeSocketSlot): void {
    if (slot.closed || this.stopped) return;
    if (slot.ending) {
      slot.socket.destroy();
      return;
    }
    this.runBatch(() => this.handler!.onTimeout(slot.id));
  }

  /**
   * Runs `fn` as a batch: writes are corked until it ends. A handler that throws still gets
   * its batch flushed; the error surfaces as an uncaught exception afterwards, so one bad
   * callback cannot leave sockets corked.
   */
  private runBatch(fn: () => void): void {
    if (this.inBatch) {
      fn();
      return;
    }
    this.inBatch = true;
    try {
      fn();
      this.handler!.onBatchEnd?.();
    } catch (error) {
      rethrowOnNextTick(error);
    } finally {
      this.inBatch = false;
      this.uncorkAll();
    }
  }

  private uncorkAll(): void {
    this.flushQueued = false;
    const slots = this.corkedSlots;
    for (let i = 0; i < slots.length; i++) this.uncork(slots[i]);
    slots.length = 0;
  }

  private uncork(slot: NodeSocketSlot): void {
    if (!slot.corked) return;
    slot.corked = false;
    slot.corkedBytes = 0;
    const socket = slot.socket;
    socket.uncork();
    if (socket.writableLength > 0) slot.backpressured = true;
  }
}

/**
 * errno as a positive number (libuv reports negative ones). An error without one still must
 * not read as a clean end, so it becomes 1.
 */
function errnoOf(error: NodeJS.ErrnoException): number {
  const errno = error.errno;
  return typeof errno === 'number' && errno !== 0 ? Math.abs(errno) : 1;
}
