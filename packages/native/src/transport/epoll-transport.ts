import { isIP, type Socket } from 'node:net';
import { ArenaSendBuffer } from './arena-send-buffer.js';
import { ForeignSockets } from './foreign-sockets.js';
import type { MessageViews } from './message-views.js';
import { NativeLoop, type SlotOwner } from './native-loop.js';
import { Control } from './native-layout.js';
import { NativeTlsContext, nativeTlsInfo, toNativeTls } from './native-tls.js';
import { generationOf, slotOf, socketId } from './socket-table.js';
import type { ResolvedTlsOptions, TlsSocketInfo } from './tls-options.js';
import { clientOptionsKey } from './tls-session-store.js';
import type {
  ListenHandle,
  ListenOptions,
  SendBuffer,
  SocketId,
  TlsConnectOptions,
  TlsContext,
  Transport,
  TransportBatch,
  TransportHandler,
  UnmaskFunction,
} from './transport.js';

const DEFAULT_BACKLOG = 511;
/** Slots the per-socket arrays start with. */
const INITIAL_SLOTS = 64;
/** Client TLS contexts kept per thread (distinct option sets; the oldest goes first). */
const MAX_CLIENT_CONTEXTS = 16;
const clientContexts = new Map<string, number>();


/**
 * The native transport: sockets on this thread's epoll loop (the C++ addon) inside Node's own
 * libuv loop. Reads arrive in batches through one call per loop wake-up; writes are copied
 * into the shared send arena and flushed with `writev` when the batch ends.
 */
export class EpollTransport implements Transport, TransportBatch, SlotOwner {
  readonly kind = 'epoll';
  /** Writes are copied into the send arena at once: callers may reuse their buffers. */
  readonly copiesWrites = true;
  /** Its batch abilities are its own methods: the send arena lent, shared writes, message views. */
  readonly batch: TransportBatch = this;
  /** The addon's word-wide XOR (~5x the JavaScript loop on large payloads). */
  readonly unmask: UnmaskFunction;
  private readonly loop: NativeLoop;
  /** The send arena as lent to the codec, aimed at one socket at a time. */
  private readonly sendBuffer: ArenaSendBuffer;
  private _handler: TransportHandler | undefined;
  private readonly listeners = new Set<number>();
  /**
   * Id of the open socket in each slot, -1 for none: which sockets are ours (several
   * transports share the thread's loop), and what close() destroys. With the idle timeout last
   * armed per slot and the wheel tick it was armed in. Typed arrays indexed by slot, grown by
   * doubling: a few bytes per connection, outside the JS heap.
   */
  private sockets = new Float64Array(INITIAL_SLOTS).fill(-1);
  private armedSeconds = new Float64Array(INITIAL_SLOTS);
  private armedTick = new Int32Array(INITIAL_SLOTS);
  private closed = false;
  /** TLS sockets of foreign https servers (negative ids), created on first use. */
  private foreign: ForeignSockets | undefined;

  constructor() {
    this.loop = NativeLoop.get();
    this.unmask = this.loop.native.xorMask;
    this.sendBuffer = new ArenaSendBuffer(this.loop);
  }

  /** Views of received messages without an allocation per message (see `message-views`). */
  get messageViews(): MessageViews {
    return this.loop.messageViews;
  }

  get handler(): TransportHandler {
    if (this._handler === undefined) throw new Error('EpollTransport: start(handler) was not called');
    return this._handler;
  }

  start(handler: TransportHandler): void {
    this._handler = handler;
  }

  /** Wraps the handler so this transport learns about opens (for close()). */
  private track(id: SocketId): void {
    if (id < 0) return; // a foreign TLS socket: its own transport tracks it
    const slot = slotOf(id);
    if (slot >= this.sockets.length) this.grow(slot + 1);
    this.sockets[slot] = id;
  }

  private grow(minimum: number): void {
    let size = this.sockets.length * 2;
    while (size < minimum) size *= 2;
    const sockets = new Float64Array(size).fill(-1);
    sockets.set(this.sockets);
    const seconds = new Float64Array(size);
    seconds.set(this.armedSeconds);
    const ticks = new Int32Array(size);
    ticks.set(this.armedTick);
    this.sockets = sockets;
    this.armedSeconds = seconds;
    this.armedTick = ticks;
  }

  /** The socket open in `slot`, or -1. */
  private idIn(slot: number): SocketId {
    return slot < this.sockets.length ? this.sockets[slot] : -1;
  }

  forget(slot: number): void {
    if (slot >= this.sockets.length) return;
    this.sockets[slot] = -1;
    this.armedSeconds[slot] = 0;
  }

  listen(options: ListenOptions): ListenHandle {
    if (options.host === undefined && options.path === undefined) options = { ...options, host: '' };
    this.assertOpen();
    let host = options.host ?? '';
    if (host === 'localhost') host = '127.0.0.1';
    if (host !== '' && isIP(host) === 0) {
      throw Object.assign(new Error(`listen: host must be an IP address or 'localhost', got ${JSON.stringify(host)}`), {
        code: 'EINVAL',
      });
    }
    let tlsId = 0;
    if (options.tls !== undefined) {
      if (!(options.tls instanceof NativeTlsContext)) throw new TypeError('listen: the TLS context belongs to another transport');
      tlsId = options.tls.id;
    }
    const [id, port] = this.loop.native.listen(
      host,
      options.port ?? 0,
      options.path ?? '',
      options.backlog ?? DEFAULT_BACKLOG,
      options.reusePort ?? false,
      options.ipv6Only ?? false,
      tlsId,
    );
    this.listeners.add(id);
    this.loop.setListenerOwner(id, this.tracked);
    return { id, port };
  }

  // After close() nothing reaches the user's handler any more.
  private readonly trackingHandler: TransportHandler = {
    onOpen: (id, listener) => {
      if (this.closed) return;
      this.track(id);
      this.handler.onOpen(id, listener);
    },
    onData: (id, data) => {
      if (!this.closed) this.handler.onData(id, data);
    },
    onReceive: (id, bytes, start, end) => {
      if (this.closed) return;
      const handler = this.handler;
      if (handler.onReceive !== undefined) handler.onReceive(id, bytes, start, end);
      else handler.onData(id, new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start));
    },
    onDrain: (id) => {
      if (!this.closed) this.handler.onDrain(id);
    },
    onTimeout: (id) => {
      // Fired, so disarmed: the next setTimeout must reach the addon.
      if (id >= 0 && slotOf(id) < this.armedSeconds.length) this.armedSeconds[slotOf(id)] = 0;
      if (!this.closed) this.handler.onTimeout(id);
    },
    onClose: (id, errno) => {
      if (!this.closed) this.handler.onClose(id, errno);
    },
    onBatchEnd: () => {
      if (!this.closed) this.handler.onBatchEnd?.();
    },
  };

  /**
   * The owner of every socket this transport opens (its handler records them): one object for
   * all of them, so a socket costs no owner of its own.
   */
  private readonly tracked: SlotOwner = { handler: this.trackingHandler, forget: (slot) => this.forget(slot) };

  closeListener(id: number): void {
    if (!this.listeners.delete(id)) return;
    this.loop.setListenerOwner(id, undefined);
    this.loop.native.closeListener(id);
  }

  createTlsContext(options: ResolvedTlsOptions): TlsContext {
    this.assertOpen();
    return new NativeTlsContext(this.loop, options);
  }

  tlsInfo(id: SocketId): TlsSocketInfo | undefined {
    if (ForeignSockets.owns(id)) return this.foreign?.tlsInfo(id);
    return nativeTlsInfo(this.loop.native, slotOf(id), generationOf(id));
  }

  connect(host: string, port: number, tls?: TlsConnectOptions): SocketId {
    this.assertOpen();
    const address = host === 'localhost' ? '127.0.0.1' : host;
    const tlsId = tls === undefined ? 0 : this.clientContext(tls);
    const [slot, gen] = this.loop.native.connect(address, port, tlsId, tls?.servername ?? '');
    const id = socketId(slot, gen);
    this.loop.setOwner(id, this.tracked);
    this.track(id);
    return id;
  }

  adopt(socket: Socket, head: Uint8Array): SocketId {
    this.assertOpen();
    // The fd of a TLS socket carries ciphertext of a session that lives in node:tls: such a
    // socket stays there, on node:tls, under this transport's handler.
    if ((socket as { encrypted?: boolean }).encrypted === true) {
      this.foreign ??= new ForeignSockets(this.trackingHandler);
      return this.foreign.adopt(socket, head);
    }
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) throw new Error('adopt: this socket has no file descriptor to take over');
    const [slot, gen] = this.loop.native.adopt(fd);
    // Our duplicate keeps the connection; Node's copy of the fd goes away with its socket.
    socket.destroy();
    const id = socketId(slot, gen);
    this.loop.setOwner(id, this.tracked);
    const bytes = head.length > 0 ? Uint8Array.prototype.slice.call(head) : undefined;
    queueMicrotask(() => {
      if (this.idIn(slot) >= 0 || this.closed) return;
      this.track(id);
      const wasInBatch = this.loop.inBatch;
      this.loop.inBatch = true;
      try {
        this.handler.onOpen(id, -2);
        if (bytes !== undefined && this.idIn(slot) === id) this.handler.onData(id, bytes);
      } finally {
        this.loop.inBatch = wasInBatch;
        if (!wasInBatch) this.loop.flush();
      }
    });
    return id;
  }

  write(id: SocketId, data: Uint8Array): boolean {
    if (id < 0) return this.foreign?.write(id, data) ?? false;
    const slot = slotOf(id);
    if (this.idIn(slot) !== id) return false;
    this.loop.write(slot, generationOf(id), data);
    return this.loop.buffered[slot] === 0;
  }

  /**
   * `write` for the same bytes sent to many sockets (a publish): they are copied into the send
   * arena once per batch and referenced by every socket's command. `data` must not change
   * until the batch is flushed.
   */
  writeShared(id: SocketId, data: Uint8Array): boolean {
    if (id < 0) return this.foreign?.write(id, data) ?? false;
    const slot = slotOf(id);
    if (this.idIn(slot) !== id) return false;
    this.loop.writeShared(slot, generationOf(id), data);
    return this.loop.buffered[slot] === 0;
  }

  /**
   * The send arena, aimed at `id`: what the codec commits to it goes to `id` with this batch's
   * flush. Undefined for a closed id and for a foreign TLS socket (no place in the arena).
   */
  sendBufferFor(id: SocketId): SendBuffer | undefined {
    if (id < 0) return undefined;
    const slot = slotOf(id);
    if (this.idIn(slot) !== id) return undefined;
    const buffer = this.sendBuffer;
    buffer.slot = slot;
    buffer.gen = generationOf(id);
    return buffer;
  }

  /** Remote address and port stay readable during `onClose` (the addon keeps them until then). */

  bufferedAmount(id: SocketId): number {
    if (id < 0) return this.foreign?.bufferedAmount(id) ?? 0;
    const slot = slotOf(id);
    return this.idIn(slot) === id ? this.loop.bufferedAmount(slot) : 0;
  }

  pause(id: SocketId): void {
    if (id < 0) return this.foreign?.pause(id);
    this.loop.native.pause(slotOf(id), generationOf(id));
  }

  resume(id: SocketId): void {
    if (id < 0) return this.foreign?.resume(id);
    this.loop.native.resume(slotOf(id), generationOf(id));
  }

  setTimeout(id: SocketId, seconds: number): void {
    if (id < 0) return this.foreign?.setTimeout(id, seconds);
    const slot = slotOf(id);
    // Re-arming with the same timeout within the same 1-second tick lands on the same
    // deadline: skip the native call, so a busy socket costs one call per second, not one
    // per read.
    if (slot < this.armedSeconds.length) {
      const tick = this.loop.control[Control.TICK];
      if (seconds > 0 && this.armedSeconds[slot] === seconds && this.armedTick[slot] === tick) return;
      this.armedSeconds[slot] = seconds;
      this.armedTick[slot] = tick;
    }
    this.loop.native.setTimeout(slot, generationOf(id), seconds);
  }

  end(id: SocketId): void {
    if (id < 0) return this.foreign?.end(id);
    this.loop.end(slotOf(id), generationOf(id));
  }

  destroy(id: SocketId): void {
    if (id < 0) return this.foreign?.destroy(id);
    this.loop.native.destroy(slotOf(id), generationOf(id));
    this.loop.deliverPending();
  }

  remoteAddress(id: SocketId): string {
    if (id < 0) return this.foreign?.remoteAddress(id) ?? '';
    return this.loop.native.remoteAddress(slotOf(id), generationOf(id))[0];
  }

  remotePort(id: SocketId): number {
    if (id < 0) return this.foreign?.remotePort(id) ?? 0;
    return this.loop.native.remoteAddress(slotOf(id), generationOf(id))[1];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.listeners]) {
      this.listeners.delete(id);
      this.loop.setListenerOwner(id, undefined);
      this.loop.native.closeListener(id);
    }
    const open = this.sockets.filter((id) => id >= 0);
    this.sockets.fill(-1);
    for (const id of open) this.loop.native.destroy(slotOf(id), generationOf(id));
    this.foreign?.transport.close();
    this.loop.deliverPending();
  }

  /**
   * Client contexts are cached by their options: building one parses the CA bundle (Node's
   * roots: ~150 certificates), far too slow per connection.
   */
  private clientContext(tls: TlsConnectOptions): number {
    const key = clientOptionsKey(tls);
    let id = clientContexts.get(key);
    if (id === undefined) {
      if (clientContexts.size >= MAX_CLIENT_CONTEXTS) {
        const [oldestKey, oldestId] = clientContexts.entries().next().value as [string, number];
        clientContexts.delete(oldestKey);
        this.loop.native.tlsFree(oldestId); // connections using it keep their reference
      }
      id = this.loop.native.tlsContext(toNativeTls(tls));
      clientContexts.set(key, id);
    }
    return id;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('EpollTransport: the transport was closed');
  }
}
