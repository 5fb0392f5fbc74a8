/**
 * The contract between the server APIs (App, Server, Client) and a transport that moves bytes:
 * `EpollTransport` (the C++ addon, one epoll loop inside Node's own libuv loop) or
 * `NodeTransport` (node:net, everywhere). The APIs above never know which one they run on.
 *
 * Sockets are plain numbers (a slot index and a generation packed together by the transport),
 * so a stale id can never reach a reused slot. Events come in batches (one per loop wake-up on
 * the native side); writes made during a batch are flushed together when it ends, and writes
 * made outside a batch (timers, promises) are flushed on the next microtask, so a burst of sends
 * costs one flush, not one syscall each.
 */

import type { MessageViews } from './message-views.js';
import type { ResolvedTlsOptions, TlsSocketInfo } from './tls-options.js';

/** A connection handle; meaningless once `onClose` was reported for it. */
export type SocketId = number;

/** Where and how to listen. */
export interface ListenOptions {
  /**
   * Address to bind. Default: `'::'` when IPv6 is available (dual-stack, see `ipv6Only`),
   * else `'0.0.0.0'`. Use `'127.0.0.1'` or `'::1'` to stay on loopback.
   */
  host?: string;
  /** TCP port; 0 picks a free one (read it from the returned handle). Default: 0. */
  port?: number;
  /** Listen on this Unix socket path instead of TCP (host and port are ignored). Default: none. */
  path?: string;
  /** Pending-connection queue length given to listen(2). Default: 511. */
  backlog?: number;
  /** SO_REUSEPORT: let several listeners (threads, processes) share the port. Default: false (exclusive). */
  reusePort?: boolean;
  /** With an IPv6 host, refuse IPv4-mapped connections (IPV6_V6ONLY). Default: false (dual-stack). */
  ipv6Only?: boolean;
  /**
   * Speak TLS on accepted connections, with this context (made by the same transport's
   * `createTlsContext`). `onOpen` is reported once the handshake completed; a handshake that
   * fails or takes longer than 10 s ends that connection unseen. Default: plain TCP.
   */
  tls?: TlsContext;
}

/**
 * A TLS configuration of one transport: the default certificate plus the SNI table. Several
 * listeners may share it; changes apply to handshakes that start afterwards.
 */
export interface TlsContext {
  /** Serves `host` (exact, or `*.example.com` for one label) with its own certificate. */
  addServerName(host: string, options: ResolvedTlsOptions): void;
  removeServerName(host: string): void;
  /**
   * Called (inside a batch) when a ClientHello names a host the table lacks; the handshake
   * waits until it returns, so a synchronous `addServerName` serves this very connection.
   * `undefined` removes it. Default: none (the default certificate answers).
   */
  setMissingServerName(handler: ((host: string) => void) | undefined): void;
  /** Replaces the default certificate & co. (reload without restart). */
  update(options: ResolvedTlsOptions): void;
  /** Releases it; listeners using it keep working until closed. */
  close(): void;
}

/** How to connect with TLS. */
export interface TlsConnectOptions extends ResolvedTlsOptions {
  /** SNI and the name the certificate must match; `''` for none (IP literals are matched as IPs). */
  servername: string;
}

/** A listening socket. */
export interface ListenHandle {
  /** Transport-local id, for `closeListener`. */
  readonly id: number;
  /** The bound port (0 for a Unix socket). */
  readonly port: number;
}

/** What a transport reports. Every callback runs inside a batch. */
export interface TransportHandler {
  /**
   * A connection was accepted on `listener`, an outbound connect completed (`listener` = -1),
   * or an adopted socket is ready (`listener` = -2).
   */
  onOpen(id: SocketId, listener: number): void;
  /** Bytes arrived. `data` is a view valid only during this call: copy what you keep. */
  onData(id: SocketId, data: Uint8Array): void;
  /**
   * Bytes arrived: `bytes[start, end)`, valid only during this call. Optional; a transport that
   * reads into one shared buffer calls it instead of `onData` when present, so that it makes
   * no view per read.
   */
  onReceive?(id: SocketId, bytes: Uint8Array, start: number, end: number): void;
  /** Everything written to `id` has left the backpressure buffer. */
  onDrain(id: SocketId): void;
  /** The idle timer set with `setTimeout` expired. */
  onTimeout(id: SocketId): void;
  /**
   * The connection is gone: peer closed, error, or our `end`/`destroy` completed. Reported
   * exactly once per opened socket (and for a failed connect); `errno` is 0 for a clean end.
   */
  onClose(id: SocketId, errno: number): void;
  /** The batch is over (writes are flushed right after). Optional. */
  onBatchEnd?(): void;
}

/**
 * A send buffer a transport lends for one socket: the codec writes whole frames into it
 * (it has the shape of the codec's `OutputSink`), so the transport moves bytes without
 * knowing what a frame is. A write is `reserve` then `commit`.
 */
export interface SendBuffer {
  /** The buffer's bytes (read them after `reserve`). */
  readonly bytes: Uint8Array;
  /**
   * Lends `length` contiguous bytes and returns their offset in `bytes`, or -1 when the buffer
   * never takes that many at once (write them with `Transport#write` instead). May send what
   * was committed before, to make room.
   */
  reserve(length: number): number;
  /** Queues the first `length` bytes of the last reservation for the socket. */
  commit(length: number): void;
  /**
   * True while the socket it is aimed at holds no bytes the kernel refused (as of the last
   * flush): a send through it is then `SUCCESS`, not `BACKPRESSURE` (`bufferedAmount(id) === 0`).
   */
  readonly clear: boolean;
  /** Changes whenever the buffer was emptied: offsets committed in an earlier generation are gone. */
  readonly generation: number;
  /**
   * Queues for this socket, without a copy, the `length` bytes at `offset` committed earlier
   * (for another socket) in generation `generation`. Returns false, queueing nothing, when they
   * are gone or no more can be queued now.
   */
  recommit(offset: number, length: number, generation: number): boolean;
}

/**
 * What a transport that keeps one send buffer for all its sockets can do beyond `write` (the
 * epoll transport's send arena and receive buffer). Optional: see {@link Transport.batch}.
 */
export interface TransportBatch {
  /**
   * The send buffer lent for writing to `id`, or undefined when it has none for it (a closed
   * id, a socket kept elsewhere): then use `write`. The same object serves every socket, so
   * use it before asking for another. Bytes committed to it are sent with the current batch's
   * flush (or on the next microtask outside a batch); `bufferedAmount` tells the backpressure.
   */
  sendBufferFor(id: SocketId): SendBuffer | undefined;
  /**
   * `write` for the same bytes sent to many sockets (a publish): they are copied into the
   * send buffer once and referenced for every socket. `data` must not change until the batch
   * is flushed.
   */
  writeShared(id: SocketId, data: Uint8Array): boolean;
  /** Views that received messages may be handed out in without an allocation per message. */
  readonly messageViews: MessageViews;
}

/**
 * A faster XOR for large payloads (native code): XORs all of `data` with the 4 key bytes held
 * in `maskWord` in memory order. The shape of the codec's `UnmaskAccelerator`.
 */
export type UnmaskFunction = (data: Uint8Array, maskWord: number) => void;

/** A byte transport for WebSocket servers and clients. */
export interface Transport {
  /** `'epoll'` or `'node'`. */
  readonly kind: string;
  /**
   * True when `write` copies `data` at once, so the caller may reuse its buffer right after.
   * Absent or false: the transport may keep a reference until the bytes are sent.
   */
  readonly copiesWrites?: boolean;
  /**
   * The batch abilities (a lent send buffer, shared writes, reused message views), when the
   * transport has them. Absent: everything goes through `write`. Default: none.
   */
  readonly batch?: TransportBatch;
  /**
   * A faster XOR the transport's native code offers, to pass to the codec for unmasking large
   * received payloads. Absent: the codec's own. Default: none.
   */
  readonly unmask?: UnmaskFunction;
  /** Installs the event handler; call once before listening or connecting. */
  start(handler: TransportHandler): void;
  /**
   * Binds and listens. Throws (or rejects with) an `Error` with `code` (e.g. `'EADDRINUSE'`) on
   * failure. A transport that cannot bind synchronously returns a promise: node:net resolves a
   * host through DNS and reports bind errors on the next tick.
   */
  listen(options: ListenOptions): ListenHandle | Promise<ListenHandle>;
  /** Stops accepting on a listener; open connections stay. */
  closeListener(id: number): void;
  /**
   * Starts a non-blocking connect; `onOpen(id, -1)` or `onClose(id, errno)` follows. With
   * `tls`, `onOpen` comes after the handshake; a failed one closes with an errno and
   * `tlsInfo(id).error` says why (readable during `onClose`).
   */
  connect(host: string, port: number, tls?: TlsConnectOptions): SocketId;
  /** Makes a server TLS context for `listen`. Throws an Error with a reason on bad options. */
  createTlsContext?(options: ResolvedTlsOptions): TlsContext;
  /** TLS state of a connection (also during its `onClose`), or `undefined` for plain TCP. */
  tlsInfo?(id: SocketId): TlsSocketInfo | undefined;
  /**
   * Queues bytes for `id`. The transport may keep a reference to `data` until it is sent, so
   * the caller must not modify it afterwards (the native transport copies at once; node:net
   * does not). Returns false when the socket now holds unsent bytes (backpressure), true when
   * all was handed to the kernel or will be with this batch's flush. Writing to a closed id
   * returns false and sends nothing.
   */
  write(id: SocketId, data: Uint8Array): boolean;
  /** Bytes accepted by `write` but not yet handed to the kernel. */
  bufferedAmount(id: SocketId): number;
  /** Stops reading from `id` (receive-side backpressure) until `resume`. */
  pause(id: SocketId): void;
  resume(id: SocketId): void;
  /** Idle timer: `onTimeout` fires after about `seconds` (coarse, ±1 s); 0 disarms it. */
  setTimeout(id: SocketId, seconds: number): void;
  /** Sends what is buffered, then shuts down writing and closes; `onClose` follows. */
  end(id: SocketId): void;
  /** Closes at once, dropping unsent bytes; `onClose` follows. */
  destroy(id: SocketId): void;
  /** Peer address as text (`'127.0.0.1'`, `'::1'`, or `''` for a Unix socket). */
  remoteAddress(id: SocketId): string;
  remotePort(id: SocketId): number;
  /**
   * Takes over a connected `net.Socket` (e.g. from an `http.Server` 'upgrade' event) with the
   * bytes already read from it (`head`, delivered first as data). The native transport moves
   * the fd onto its own loop (except a `tls.TLSSocket`: its session lives in node:tls, so it
   * stays there, under a negative id); node:net keeps using the socket. `onOpen(id, -2)` follows.
   */
  adopt(socket: import('node:net').Socket, head: Uint8Array): SocketId;
  /** Closes every listener and socket; no callback runs afterwards. */
  close(): void;
}
