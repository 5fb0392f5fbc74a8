/**
 * `WebSocket`: ws 8's class (EventEmitter events, WHATWG face, semantics), driving one
 * `Connection` of @uws/protocol over a socket of a uws transport. The same class is the server
 * side (made by a `WebSocketServer`) and the client (`new WebSocket(url)`).
 */
import { Buffer } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { type HubEntry, type SocketHub as Hub, type SocketId, compactId, rethrowOnNextTick } from '@uws/native';
import { Connection, type ConnectionHandler, type DeflateParams, type ProtocolError, type SendOptions, isValidWireCloseCode } from '@uws/protocol';
import {
  BINARY_TYPES,
  type BinaryType,
  CLOSED,
  CLOSING,
  CONNECTING,
  DEFAULT_CLOSE_TIMEOUT,
  EMPTY_BUFFER,
  OPEN,
  READY_STATES,
} from './constants.js';
import { type WsError, wsErrorFrom } from './errors.js';
import { type EventListenerLike, addEventListener, getOnAttribute, removeEventListener, setOnAttribute } from './event-target.js';
import { LeanEmitter } from './lean-emitter.js';
import { Sender } from './sender.js';

/** What `send` accepts: ws's data types (a number is sent as its decimal text). */
export type Data = string | Buffer | ArrayBuffer | ArrayBufferView | Blob | readonly unknown[] | number;

/** The options of `send`. */
export interface SendOpts {
  /** Binary frame (default: true unless `data` is a string). */
  binary?: boolean;
  /** Compress when permessage-deflate is in use and the message reaches the threshold (default true). */
  compress?: boolean;
  /** Last fragment of the message (default true). */
  fin?: boolean;
  /** Accepted for compatibility: a server never masks, a client always does. */
  mask?: boolean;
}

type Callback = (error?: Error | null) => void;

/** A send waiting behind a Blob being read. */
interface QueuedSend {
  data: Exclude<Data, number>;
  options: SendOpts | undefined;
  cb: Callback | undefined;
  ready: boolean;
  error: Error | undefined;
}

/** Options a server-side WebSocket takes from its server (ws passes the server's options). */
export interface ServerSocketOptions {
  autoPong?: boolean;
  closeTimeout?: number;
  allowSynchronousEvents?: boolean;
}

/** Internal: the negotiated parameters of a connection being attached. */
export interface AttachParams {
  deflate: DeflateParams | undefined;
  maxPayload: number;
  skipUTF8Validation: boolean;
  autoPong: boolean;
  allowSynchronousEvents: boolean;
  threshold: number;
  level: number | undefined;
  memLevel: number | undefined;
  maxFragments: number | undefined;
}

// Send options shared by every send (no object per message).
const NO_COMPRESS: SendOptions = Object.freeze({ compress: false });
const NOT_FIN: SendOptions = Object.freeze({ fin: false });
const NOT_FIN_NO_COMPRESS: SendOptions = Object.freeze({ fin: false, compress: false });

/**
 * ws's `ws._socket`, for code that reads the peer's address from it (Socket.IO does) or ends
 * the connection through it. The bytes themselves run on the uws transport. (Every socket a
 * `server`/`noServer` server takes over has one, hence the lean EventEmitter base.)
 */
export class SocketFacade extends LeanEmitter {
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  remoteFamily: string | undefined;
  /** True for a TLS connection (what `verifyClient`'s `info.secure` reads). */
  encrypted: boolean;
  authorized: boolean;
  /** @internal */
  _hub: Hub;
  /** @internal */
  _id: SocketId;

  constructor(hub: Hub, id: SocketId, encrypted = false) {
    super();
    this._hub = hub;
    this._id = id;
    this.encrypted = encrypted;
    this.authorized = false;
    this.remoteAddress = undefined;
    this.remotePort = undefined;
    this.remoteFamily = undefined;
    this._readPeer();
  }

  /** @internal Reads (again) the peer's address from the transport. */
  _readPeer(): void {
    const address = this._hub.transport.remoteAddress(this._id);
    if (address === '') return;
    this.remoteAddress = address;
    this.remotePort = this._hub.transport.remotePort(this._id);
    this.remoteFamily = isIP(address) === 6 ? 'IPv6' : 'IPv4';
  }

  get bufferSize(): number {
    return this._hub.transport.bufferedAmount(this._id);
  }
  get writableLength(): number {
    return this._hub.transport.bufferedAmount(this._id);
  }
  write(data: string | Uint8Array): boolean {
    return this._hub.transport.write(this._id, typeof data === 'string' ? Buffer.from(data) : data);
  }
  end(data?: string | Uint8Array): this {
    if (data !== undefined) this.write(data);
    this._hub.transport.end(this._id);
    return this;
  }
  destroy(): this {
    this._hub.transport.destroy(this._id);
    return this;
  }
  pause(): this {
    this._hub.transport.pause(this._id);
    return this;
  }
  resume(): this {
    this._hub.transport.resume(this._id);
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
}

/** The ConnectionHandler of one WebSocket (kept off the public class; ws's `_receiver`). */
class ReceiverBridge implements ConnectionHandler {
  readonly ws: WebSocket;
  constructor(ws: WebSocket) {
    this.ws = ws;
  }
  onMessage(data: Uint8Array, isBinary: boolean): void {
    this.ws._onMessage(data, isBinary);
  }
  onPing(data: Uint8Array): void {
    this.ws._onControl('ping', data);
  }
  onPong(data: Uint8Array): void {
    this.ws._onControl('pong', data);
  }
  onClose(code: number, reason: string): void {
    this.ws._onCloseFrame(code, reason);
  }
  onError(error: ProtocolError): void {
    this.ws._onProtocolError(error);
  }
}

/** What a `'message'` listener gets, by `binaryType` (text messages are always Buffers). */
export type RawData = Buffer | ArrayBuffer | Buffer[] | Blob;

/** ws 8's events of a WebSocket and their listener arguments. */
export interface WebSocketEventMap {
  open: [];
  message: [data: RawData, isBinary: boolean];
  close: [code: number, reason: Buffer];
  error: [error: Error];
  ping: [data: Buffer];
  pong: [data: Buffer];
  upgrade: [response: IncomingMessage];
  /** `request` is node:http's when a listener was attached by the tick after the constructor (see the README). */
  'unexpected-response': [request: import('node:http').ClientRequest, response: IncomingMessage];
  redirect: [url: string, request: import('node:http').ClientRequest];
}

export class WebSocket extends LeanEmitter<WebSocketEventMap> implements HubEntry {
  // Defined after the class, as ws does: enumerable, read-only and not configurable.
  declare static readonly CONNECTING: 0;
  declare static readonly OPEN: 1;
  declare static readonly CLOSING: 2;
  declare static readonly CLOSED: 3;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  // Own fields are what a message or a send touches (plus `_events` and `_eventsCount`, from
  // LeanEmitter); what only a socket in transit holds is IoState, and the rest is ColdState
  // (both below), each made on the first write of one of its fields and IoState dropped again
  // once empty, so an idle server socket carries only these.
  /** @internal */ _hub: Hub | undefined = undefined;
  /** @internal */ _id: SocketId = -1;
  /**
   * @internal The codec once something is received, sent or closed; until then the parameters
   * it will be made with (an idle server socket holds no codec). Read it through `_conn`.
   */
  _codec: Connection | AttachParams | undefined = undefined;

  /** @internal The codec (made on first use); undefined before the connection is set up. */
  get _conn(): Connection | undefined {
    const codec = this._codec;
    return codec === undefined || codec instanceof Connection ? codec : this._makeCodec(codec);
  }
  /** @internal The in-transit state (see {@link IoState}), undefined when it would be empty. */
  _io: IoState | undefined = undefined;
  /** @internal The facade given at attach time, or made on the first read of `_socket`. */
  _facade: SocketFacade | undefined = undefined;
  /** @internal The server that tracks (`_owner`) or counts (`_countedBy`) this socket: one object. */
  _server: unknown = undefined;
  /** @internal Booleans, readyState and binaryType, packed: see {@link Bit}. */
  _bits: number = Bit.ALLOW_SYNCHRONOUS_EVENTS | (CONNECTING << Bit.READY_STATE_SHIFT); // binaryType 0: 'nodebuffer'

  /** @internal ws's readyState (CONNECTING, OPEN, CLOSING, CLOSED). */
  get _readyState(): number {
    return (this._bits >> Bit.READY_STATE_SHIFT) & 3;
  }
  set _readyState(state: number) {
    this._bits = (this._bits & ~(3 << Bit.READY_STATE_SHIFT)) | ((state & 3) << Bit.READY_STATE_SHIFT);
  }
  /** @internal */
  get _binaryType(): BinaryType {
    return BINARY_TYPES[(this._bits >> Bit.BINARY_TYPE_SHIFT) & 3];
  }
  set _binaryType(type: BinaryType) {
    const index = BINARY_TYPES.indexOf(type);
    if (index < 0) return;
    this._bits = (this._bits & ~(3 << Bit.BINARY_TYPE_SHIFT)) | (index << Bit.BINARY_TYPE_SHIFT);
  }
  /** @internal Frames written before an adopted socket is ready. */
  get _preOpen(): Uint8Array[] | undefined {
    return this._io?.preOpen;
  }
  set _preOpen(frames: Uint8Array[] | undefined) {
    this._setIo('preOpen', frames);
  }
  /** @internal Send callbacks waiting for backpressure to clear. */
  get _pendingCallbacks(): Callback[] | undefined {
    return this._io?.pendingCallbacks;
  }
  set _pendingCallbacks(callbacks: Callback[] | undefined) {
    this._setIo('pendingCallbacks', callbacks);
  }
  /** @internal Sends waiting behind a Blob being read (keeps the order). */
  get _sendQueue(): QueuedSend[] | undefined {
    return this._io?.sendQueue;
  }
  set _sendQueue(queue: QueuedSend[] | undefined) {
    this._setIo('sendQueue', queue);
  }
  private _setIo<K extends 'preOpen' | 'pendingCallbacks' | 'sendQueue' | 'unsent'>(key: K, value: IoState[K]): void {
    let io = this._io;
    if (io === undefined) {
      if (value === undefined) return;
      this._io = io = new IoState();
    }
    io[key] = value;
    if (value === undefined && io.preOpen === undefined && io.pendingCallbacks === undefined && io.sendQueue === undefined && io.unsent === undefined) {
      this._io = undefined;
    }
  }

  /** @internal */
  get _closeFrameReceived(): boolean {
    return (this._bits & Bit.CLOSE_FRAME_RECEIVED) !== 0;
  }
  set _closeFrameReceived(on: boolean) {
    this._bits = on ? this._bits | Bit.CLOSE_FRAME_RECEIVED : this._bits & ~Bit.CLOSE_FRAME_RECEIVED;
  }
  /** @internal */
  get _closeFrameSent(): boolean {
    return (this._bits & Bit.CLOSE_FRAME_SENT) !== 0;
  }
  set _closeFrameSent(on: boolean) {
    this._bits = on ? this._bits | Bit.CLOSE_FRAME_SENT : this._bits & ~Bit.CLOSE_FRAME_SENT;
  }
  /** @internal */
  get _allowSynchronousEvents(): boolean {
    return (this._bits & Bit.ALLOW_SYNCHRONOUS_EVENTS) !== 0;
  }
  set _allowSynchronousEvents(on: boolean) {
    this._bits = on ? this._bits | Bit.ALLOW_SYNCHRONOUS_EVENTS : this._bits & ~Bit.ALLOW_SYNCHRONOUS_EVENTS;
  }
  /** @internal The server tracking this WebSocket in `clients`. */
  get _owner(): { _clientClosed(ws: WebSocket): void } | undefined {
    return (this._bits & Bit.TRACKED) !== 0 ? (this._server as { _clientClosed(ws: WebSocket): void }) : undefined;
  }
  set _owner(server: { _clientClosed(ws: WebSocket): void } | undefined) {
    this._setServer(server, Bit.TRACKED);
  }
  /** @internal The `port` server that accepted this socket (counts its live sockets). */
  get _countedBy(): { _socketGone(): void } | undefined {
    return (this._bits & Bit.COUNTED) !== 0 ? (this._server as { _socketGone(): void }) : undefined;
  }
  set _countedBy(server: { _socketGone(): void } | undefined) {
    this._setServer(server, Bit.COUNTED);
  }
  private _setServer(server: unknown, bit: number): void {
    if (server === undefined) {
      this._bits &= ~bit;
      return;
    }
    const other = (this._bits & (Bit.TRACKED | Bit.COUNTED) & ~bit) !== 0;
    if (other && this._server !== server) throw new Error('ws-compat: a WebSocket belongs to one server');
    this._server = server;
    this._bits |= bit;
  }
  /** @internal The ConnectionHandler given to the codec (ws's `_receiver`), null before the connection is set up. */
  get _receiver(): ConnectionHandler | null {
    const conn = this._conn as unknown as { handler: ConnectionHandler | undefined } | undefined;
    return conn?.handler ?? null;
  }
  /** @internal The rarely used state, made on first write (see {@link ColdState}). */
  _cold: ColdState | undefined = undefined;

  // Accessors on the prototype backed by `_cold` (defined after the class).
  /** @internal */ declare _closeCode: number;
  /** @internal */ declare _closeMessage: Buffer;
  /** @internal */ declare _closeTimer: NodeJS.Timeout | null;
  /** @internal */ declare _closeTimeout: number;
  /** @internal */ declare _errorEmitted: boolean;
  /** @internal */ declare _extensions: string;
  /** @internal */ declare _paused: boolean;
  /** @internal */ declare _protocol: string;
  /** @internal */ declare _isServer: boolean;
  /** @internal */ declare _url: string | undefined;
  /** @internal */ declare _bufferedAmount: number;
  /** @internal Events held back when `allowSynchronousEvents` is false. */
  declare _held: Array<[string, unknown, boolean]> | undefined;
  /** @internal */ declare _heldScheduled: boolean;
  /** @internal */ declare _eof: boolean;
  /** @internal The client's handshake state (see client.ts). */
  declare _client: import('./client.js').ClientState | undefined;
  /** @internal */ declare _req: unknown;
  /** @internal */ declare _senderObject: Sender | undefined;

  /**
   * ws's `_socket`: the peer's address, and end/destroy. Null until the connection is set up;
   * made on first read (the peer's address is read then).
   */
  get _socket(): SocketFacade | null {
    const facade = this._facade;
    if (facade !== undefined) return facade;
    if (this._hub === undefined) return null;
    return (this._facade = new SocketFacade(this._hub, this._id));
  }
  set _socket(socket: SocketFacade | null) {
    this._facade = socket ?? undefined;
  }

  /** ws's `_sender`: `sendFrame(list, cb)` writes frames made by `Sender.frame` (null before the connection is set up). */
  get _sender(): Sender | null {
    if (this._hub === undefined) return null;
    return (this._senderObject ??= new Sender(this));
  }

  /**
   * A client: `new WebSocket(address, protocols?, options?)` connects at once. (A server makes
   * its WebSockets with `address` null.)
   */
  constructor(address: string | URL | null, protocols?: string | string[] | Record<string, unknown>, options?: Record<string, unknown>) {
    super();
    if (address !== null) {
      this._isServer = false;
      let list: string[];
      if (protocols === undefined) list = [];
      else if (!Array.isArray(protocols)) {
        if (typeof protocols === 'object' && protocols !== null) {
          options = protocols;
          list = [];
        } else list = [protocols];
      } else list = protocols;
      // Loaded lazily: the server side never needs it.
      clientModule().initAsClient(this, address, list, options ?? {});
    } else {
      const o = (options ?? {}) as ServerSocketOptions;
      // Written only when it differs from the default: the write makes the cold state.
      if (o.closeTimeout !== undefined && o.closeTimeout !== DEFAULT_CLOSE_TIMEOUT) this._closeTimeout = o.closeTimeout;
    }
  }

  // ---- ws's public API ------------------------------------------------------------------

  get binaryType(): BinaryType {
    return this._binaryType;
  }
  set binaryType(type: BinaryType) {
    if (!BINARY_TYPES.includes(type)) return;
    this._binaryType = type;
  }

  get bufferedAmount(): number {
    if (this._hub === undefined || this._readyState === CLOSED) return this._bufferedAmount;
    let preOpen = 0;
    if (this._preOpen !== undefined) for (const b of this._preOpen) preOpen += b.length;
    return this._hub.transport.bufferedAmount(this._id) + preOpen + (this._io?.unsentBytes ?? 0) + this._bufferedAmount;
  }

  get extensions(): string {
    return this._extensions;
  }
  get isPaused(): boolean {
    return this._paused;
  }
  get protocol(): string {
    return this._protocol;
  }
  get readyState(): number {
    return this._readyState;
  }
  get url(): string | undefined {
    return this._url;
  }

  get onopen(): EventListenerLike | null {
    return getOnAttribute(this, 'open');
  }
  set onopen(handler: EventListenerLike | null) {
    setOnAttribute(this, 'open', handler);
  }
  get onerror(): EventListenerLike | null {
    return getOnAttribute(this, 'error');
  }
  set onerror(handler: EventListenerLike | null) {
    setOnAttribute(this, 'error', handler);
  }
  get onclose(): EventListenerLike | null {
    return getOnAttribute(this, 'close');
  }
  set onclose(handler: EventListenerLike | null) {
    setOnAttribute(this, 'close', handler);
  }
  get onmessage(): EventListenerLike | null {
    return getOnAttribute(this, 'message');
  }
  set onmessage(handler: EventListenerLike | null) {
    setOnAttribute(this, 'message', handler);
  }

  addEventListener(type: string, listener: EventListenerLike, options?: { once?: boolean }): void {
    addEventListener(this, type, listener, options);
  }
  removeEventListener(type: string, listener: EventListenerLike): void {
    removeEventListener(this, type, listener);
  }

  /**
   * Starts the closing handshake (ws semantics: `'close'` follows once the TCP connection is
   * gone, after the peer's close frame or after `closeTimeout`).
   */
  close(code?: number, data?: string | Buffer): void {
    if (this._readyState === CLOSED) return;
    if (this._readyState === CONNECTING) {
      clientModule().abortHandshake(this, 'WebSocket was closed before the connection was established');
      return;
    }
    if (this._readyState === CLOSING) {
      if (this._closeFrameSent && (this._closeFrameReceived || this._errorEmitted)) this._end();
      return;
    }
    let reason = '';
    if (code !== undefined) {
      if (typeof code !== 'number' || !isValidWireCloseCode(code)) throw new TypeError('First argument must be a valid error code number');
      if (data !== undefined && data.length > 0) {
        if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new TypeError('Second argument must be a string or a Uint8Array');
        if (Buffer.byteLength(data) > 123) throw new RangeError('The message must not be greater than 123 bytes');
        reason = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
      }
    }
    this._readyState = CLOSING;
    this._closeFrameSent = true;
    this._write(this._conn!.close(code, reason), undefined);
    if (this._closeFrameReceived) this._end();
    this._setCloseTimer();
  }

  /** Drops the connection at once; `'close'` follows (1006 unless a close frame was received). */
  terminate(): void {
    if (this._readyState === CLOSED) return;
    if (this._readyState === CONNECTING) {
      clientModule().abortHandshake(this, 'WebSocket was closed before the connection was established');
      return;
    }
    this._readyState = CLOSING;
    const hub = this._hub;
    // No connection yet: a failed client handshake calls its 'error' listeners in CLOSING.
    if (hub === undefined || (this._bits & Bit.TERMINATED) !== 0) return;
    this._bits |= Bit.TERMINATED;
    // ws destroys a socket that has already handed what was written to the kernel (the 101 of
    // a socket terminated in 'connection', a send made just before). Here such bytes may still
    // wait for the transport's flush at the end of this batch: destroy once it is over. Bytes
    // held back by backpressure are dropped, as in ws; nothing more is read meanwhile.
    if (this._preOpen !== undefined) return; // _onOpen writes what it holds, then destroys
    hub.transport.pause(this._id);
    this._destroySoon(hub);
  }

  private _destroySoon(hub: Hub): void {
    const id = this._id;
    setImmediate(() => {
      if (hub.entries.get(id) === this) hub.transport.destroy(id);
    });
  }

  /** Stops reading from the socket (no `'message'` events) until `resume()`. */
  pause(): void {
    if (this._readyState === CONNECTING || this._readyState === CLOSED || this._hub === undefined) return;
    this._paused = true;
    if (this._preOpen === undefined) this._hub.transport.pause(this._id);
  }

  resume(): void {
    if (this._readyState === CONNECTING || this._readyState === CLOSED || this._hub === undefined) return;
    this._paused = false;
    if (this._preOpen === undefined) this._hub.transport.resume(this._id);
  }

  ping(data?: unknown, mask?: unknown, cb?: Callback): void {
    this._control('ping', data, mask, cb);
  }

  pong(data?: unknown, mask?: unknown, cb?: Callback): void {
    this._control('pong', data, mask, cb);
  }

  /**
   * Sends a message (ws 8): text for a string unless `binary`, binary otherwise; `cb(err?)`
   * runs once the bytes are handed to the kernel (or with an error when they cannot be).
   */
  send(data: Data, options?: SendOpts | Callback, cb?: Callback): void {
    if (typeof options === 'function') {
      cb = options;
      options = undefined;
    }
    if (typeof data === 'number') data = data.toString();
    if (this._readyState !== OPEN) {
      if (this._readyState === CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
      this._sendAfterClose(data, cb);
      return;
    }
    if (this._sendQueue !== undefined || (typeof Blob !== 'undefined' && data instanceof Blob)) {
      this._sendLater(data, options, cb);
      return;
    }
    this._sendNow(data as Exclude<Data, number | Blob>, options, cb);
  }

  // ---- internals: sending -----------------------------------------------------------------

  /** @internal */
  _sendNow(data: Exclude<Data, number | Blob>, options: SendOpts | undefined, cb: Callback | undefined): void {
    const conn = this._conn!;
    let binary: boolean | undefined;
    let opts: SendOptions | undefined;
    if (options !== undefined) {
      binary = options.binary;
      const noCompress = options.compress === false;
      opts = options.fin === false ? (noCompress ? NOT_FIN_NO_COMPRESS : NOT_FIN) : noCompress ? NO_COMPRESS : undefined;
    }
    let frames: Uint8Array[];
    if (typeof data === 'string') {
      frames = binary === true ? conn.sendBinary(Buffer.from(data), opts) : conn.sendText(data, opts);
    } else {
      const bytes = toBytes(data);
      frames = binary === false ? conn.sendText(bytes, opts) : conn.sendBinary(bytes, opts);
    }
    this._write(frames, cb);
  }

  /** Sends that wait for a Blob to be read, in order. */
  private _sendLater(data: Exclude<Data, number>, options: SendOpts | undefined, cb: Callback | undefined): void {
    const entry: QueuedSend = { data, options, cb, ready: true, error: undefined };
    (this._sendQueue ??= []).push(entry);
    if (typeof Blob !== 'undefined' && data instanceof Blob) {
      entry.ready = false;
      data.arrayBuffer().then(
        (ab) => {
          entry.data = Buffer.from(ab);
          entry.ready = true;
          this._drainSendQueue();
        },
        (error: Error) => {
          entry.error = error;
          entry.ready = true;
          this._drainSendQueue();
        },
      );
    }
  }

  private _drainSendQueue(): void {
    const queue = this._sendQueue;
    if (queue === undefined) return;
    while (queue.length > 0 && queue[0].ready) {
      const failed = queue[0].error;
      if (failed !== undefined) {
        // Later sends stay queued behind it until the failure is handled (on the next tick).
        queue[0].ready = false;
        process.nextTick(() => this._blobFailed(failed));
        return;
      }
      const next = queue.shift()!;
      if (this._readyState !== OPEN) this._sendAfterClose(next.data, next.cb);
      else this._sendNow(next.data as Exclude<Data, number | Blob>, next.options, next.cb);
    }
    if (queue.length === 0) this._sendQueue = undefined;
  }

  /**
   * A Blob could not be read: as ws, its send callback and those of every send queued behind
   * it get the error, the connection ends (after what was already sent, without a close
   * frame), and `'error'` is emitted; `'close'` (1006) follows.
   */
  private _blobFailed(error: Error): void {
    const queue = this._sendQueue ?? [];
    this._sendQueue = undefined;
    for (const entry of queue) {
      if (entry.cb === undefined) continue;
      try {
        entry.cb(error);
      } catch (e) {
        rethrowOnNextTick(e);
      }
    }
    if (this._readyState === CLOSED) return;
    if (this._readyState === OPEN) {
      this._readyState = CLOSING;
      this._setCloseTimer();
    }
    this._end();
    if (this._errorEmitted) return;
    this._errorEmitted = true;
    try {
      this.emit('error', error);
    } catch (e) {
      rethrowOnNextTick(e);
    }
  }

  private _sendAfterClose(data: unknown, cb: Callback | undefined): void {
    if (data) {
      const length = typeof Blob !== 'undefined' && data instanceof Blob ? data.size : toBytes(data as Exclude<Data, number | Blob>).length;
      this._bufferedAmount += length;
    }
    if (cb !== undefined) {
      const err = new Error(`WebSocket is not open: readyState ${this._readyState} (${READY_STATES[this._readyState]})`);
      process.nextTick(cb, err);
    }
  }

  private _control(kind: 'ping' | 'pong', data: unknown, mask: unknown, cb: Callback | undefined): void {
    if (this._readyState === CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    if (typeof data === 'function') {
      cb = data as Callback;
      data = undefined;
    } else if (typeof mask === 'function') {
      cb = mask as Callback;
    }
    if (typeof data === 'number') data = data.toString();
    if (this._readyState !== OPEN) {
      this._sendAfterClose(data, cb);
      return;
    }
    const bytes = data === undefined || data === null || data === '' ? EMPTY_BUFFER : toBytes(data as Exclude<Data, number | Blob>);
    if (bytes.length > 125) throw new RangeError('The data size must not be greater than 125 bytes');
    const conn = this._conn!;
    this._write(kind === 'ping' ? conn.ping(bytes) : conn.pong(bytes), cb);
  }

  /**
   * @internal Writes frames, and runs `cb` once they left (next tick, or after a drain).
   * Returns false when bytes wait (backpressure).
   */
  _write(frames: Uint8Array[], cb: Callback | undefined): boolean {
    const pre = this._preOpen;
    if (pre !== undefined) {
      for (let i = 0; i < frames.length; i++) pre.push(frames[i]);
      if (cb !== undefined) (this._pendingCallbacks ??= []).push(cb);
      return false;
    }
    const hub = this._hub!;
    const transport = hub.transport;
    const id = this._id;
    let clear = true;
    const unsent = this._io?.unsent;
    if (unsent !== undefined) {
      for (let i = 0; i < frames.length; i++) this._holdFrame(frames[i]);
      clear = false;
    } else if (transport.copiesWrites !== true) {
      for (let i = 0; i < frames.length; i++) clear = transport.write(id, frames[i]) && clear;
    } else {
      // A transport that copies what it cannot send at once would copy a large payload once
      // per connection: from the first large frame (or once backpressured) the frames are held
      // by reference and handed over a piece at a time as the socket drains (ws keeps a
      // reference too; the caller must not change a buffer before its send callback).
      for (let i = 0; i < frames.length; i++) {
        const frame = frames[i];
        if (!clear || frame.length > HELD_PIECE_BYTES) {
          for (let j = i; j < frames.length; j++) this._holdFrame(frames[j]);
          if (clear) clear = this._writeHeld();
          break;
        }
        clear = transport.write(id, frame);
      }
    }
    if (cb !== undefined) {
      if (clear && this._pendingCallbacks === undefined) hub.defer(cb);
      else (this._pendingCallbacks ??= []).push(cb);
    }
    return clear;
  }

  /** Keeps `frame` (a reference) behind the frames already held. */
  private _holdFrame(frame: Uint8Array): void {
    const io = (this._io ??= new IoState());
    (io.unsent ??= []).push(frame);
    io.unsentBytes += frame.length;
  }

  /**
   * Hands held frames to the transport, a piece of at most {@link HELD_PIECE_BYTES} at a time,
   * until it pushes back. Returns true when none is left.
   */
  private _writeHeld(): boolean {
    const io = this._io!;
    const unsent = io.unsent!;
    const transport = this._hub!.transport;
    while (unsent.length > 0) {
      let piece = unsent[0];
      if (piece.length > HELD_PIECE_BYTES) {
        unsent[0] = piece.subarray(HELD_PIECE_BYTES);
        piece = piece.subarray(0, HELD_PIECE_BYTES);
      } else unsent.shift();
      io.unsentBytes -= piece.length;
      if (!transport.write(this._id, piece)) return false;
    }
    io.unsent = undefined;
    if (io.endWhenSent) {
      io.endWhenSent = false;
      transport.end(this._id);
    }
    this._setIo('unsent', undefined);
    return true;
  }

  /** @internal Writes already framed bytes (ws's `Sender#sendFrame`). */
  _sendFrame(list: readonly Uint8Array[], cb: Callback | undefined): void {
    if (this._readyState !== OPEN || this._closeFrameSent) {
      this._sendAfterClose(undefined, cb);
      return;
    }
    this._write(list as Uint8Array[], cb);
  }

  private _setCloseTimer(): void {
    if (this._closeTimer !== null) return;
    this._closeTimer = setTimeout(() => {
      this._closeTimer = null;
      if (this._hub !== undefined && this._readyState !== CLOSED) this._hub.transport.destroy(this._id);
    }, this._closeTimeout);
  }

  private _end(): void {
    if (this._preOpen !== undefined) return; // ended once the socket is ready
    const io = this._io;
    if (io?.unsent !== undefined) io.endWhenSent = true; // after the frames still held
    else this._hub!.transport.end(this._id);
  }

  // ---- internals: attaching a connection ------------------------------------------------------

  /**
   * @internal Binds this WebSocket to a transport socket after a successful handshake.
   * `adopted`: the socket is not ready yet (writes are held until `_onOpen`).
   */
  _attach(hub: Hub, id: SocketId, params: AttachParams, socket: SocketFacade | undefined, adopted: boolean, firstBytes?: Uint8Array[]): void {
    this._hub = hub;
    this._id = id = compactId(id);
    if (socket !== undefined) this._facade = socket;
    this._allowSynchronousEvents = params.allowSynchronousEvents;
    this._codec = params;
    if (adopted) this._preOpen = firstBytes ?? [];
    else if (firstBytes !== undefined) for (const b of firstBytes) hub.transport.write(id, b);
    hub.entries.set(id, this);
    this._readyState = OPEN;
  }

  private _makeCodec(params: AttachParams): Connection {
    const conn = new Connection({
      role: this._isServer ? 'server' : 'client',
      deflate: params.deflate,
      maxPayloadLength: params.maxPayload > 0 ? params.maxPayload : Number.MAX_SAFE_INTEGER,
      maxFragments: params.maxFragments,
      autoPong: params.autoPong,
      skipUtf8Validation: params.skipUTF8Validation,
      compressThreshold: params.threshold,
      compressionLevel: params.level,
      compressionMemLevel: params.memLevel,
      echoCloseReason: true,
      // ws keeps emitting data messages after its close() until the peer's close arrives.
      deliverWhileClosing: true,
      handler: new ReceiverBridge(this),
    });
    this._codec = conn;
    return conn;
  }

  // ---- HubEntry: transport events -------------------------------------------------------------

  /** @internal */
  _onOpen(): void {
    const client = this._client;
    if (client !== undefined && this._conn === undefined) {
      clientModule().onClientOpen(this);
      return;
    }
    const pre = this._preOpen;
    if (pre === undefined) return;
    this._preOpen = undefined;
    this._facade?._readPeer();
    const transport = this._hub!.transport;
    const cbs = this._pendingCallbacks;
    this._pendingCallbacks = undefined;
    if (this._write(pre, undefined)) {
      if (cbs !== undefined) for (const cb of cbs) this._hub!.defer(cb);
    } else if (cbs !== undefined) this._pendingCallbacks = cbs;
    if ((this._bits & Bit.TERMINATED) !== 0) {
      transport.pause(this._id);
      this._destroySoon(this._hub!);
      return;
    }
    if (this._paused) transport.pause(this._id);
    if (this._readyState === CLOSING && this._closeFrameSent && (this._closeFrameReceived || this._errorEmitted)) this._end();
  }

  /** @internal */
  _onData(data: Uint8Array): void {
    if ((this._bits & Bit.TERMINATED) !== 0) return; // read in the batch terminate() was called in
    const conn = this._conn;
    if (conn === undefined) {
      clientModule().onClientData(this, data);
      return;
    }
    const outer = receiving;
    receiving = data.buffer;
    try {
      conn.receive(data);
    } finally {
      receiving = outer;
    }
    const out = conn.takeOutgoing();
    if (out.length > 0) this._write(out, undefined);
    if (this._closeFrameReceived && this._closeFrameSent && this._readyState === CLOSING) this._end();
  }

  /** @internal */
  _onDrain(): void {
    if (this._io?.unsent !== undefined && !this._writeHeld()) return;
    const cbs = this._pendingCallbacks;
    if (cbs === undefined) return;
    this._pendingCallbacks = undefined;
    for (const cb of cbs) this._hub!.defer(cb);
  }

  /** @internal No idle timer is armed on a WebSocket (ws has none either). */
  _onTimeout(): void {}

  /** @internal */
  _onClose(errno: number): void {
    if (this._client !== undefined && this._conn === undefined) {
      clientModule().onClientClose(this, errno);
      return;
    }
    this._readyState = CLOSING;
    if (this._io?.unsent !== undefined) {
      this._io.unsent = undefined;
      this._io.unsentBytes = 0;
      this._setIo('unsent', undefined);
    }
    const conn = this._conn;
    if (conn !== undefined && conn.state !== 'closed') {
      this._eof = true;
      conn.receiveEof();
    }
    if (this._closeTimer !== null) {
      clearTimeout(this._closeTimer);
      this._closeTimer = null;
    }
    const cbs = this._pendingCallbacks;
    if (cbs !== undefined) {
      // Before 'close', as ws's (its socket fails the writes it still holds when destroyed).
      this._pendingCallbacks = undefined;
      const err = Object.assign(new Error('Cannot call write after a stream was destroyed'), { code: 'ERR_STREAM_DESTROYED' });
      for (const cb of cbs) {
        try {
          cb(err);
        } catch (error) {
          rethrowOnNextTick(error);
        }
      }
    }
    if (this._held !== undefined && this._held.length > 0) {
      // Messages held back by allowSynchronousEvents: false still come before 'close'.
      this._heldScheduled = true;
      setImmediate(() => {
        this._flushHeld(true);
        this._emitClose();
      });
      return;
    }
    this._emitClose();
  }

  /** @internal */
  _emitClose(): void {
    this._readyState = CLOSED;
    if (this._owner !== undefined) this._owner._clientClosed(this);
    if (this._countedBy !== undefined) this._countedBy._socketGone();
    try {
      this.emit('close', this._closeCode, this._closeMessage);
    } catch (error) {
      rethrowOnNextTick(error);
    }
  }

  // ---- codec events ---------------------------------------------------------------------------------

  /** @internal */
  _onMessage(data: Uint8Array, isBinary: boolean): void {
    const message = this._toMessage(data, isBinary);
    if (!this._allowSynchronousEvents) {
      this._hold('message', message, isBinary);
      return;
    }
    try {
      this.emit('message', message as RawData, isBinary);
    } catch (error) {
      rethrowOnNextTick(error);
    }
  }

  /** @internal */
  _onControl(kind: 'ping' | 'pong', data: Uint8Array): void {
    const payload = Buffer.from(data);
    if (!this._allowSynchronousEvents) {
      this._hold(kind, payload, false);
      return;
    }
    try {
      this.emit(kind, payload);
    } catch (error) {
      rethrowOnNextTick(error);
    }
  }

  /** @internal The peer's close frame (or our own failure/EOF, which are ignored here). */
  _onCloseFrame(code: number, reason: string): void {
    if (this._eof || this._errorEmitted) return;
    this._closeFrameReceived = true;
    this._closeCode = code;
    this._closeMessage = reason === '' ? EMPTY_BUFFER : Buffer.from(reason, 'utf8');
    // The codec has queued the answering close frame (ws echoes code and reason).
    this._closeFrameSent = true;
    this._readyState = CLOSING;
    this._setCloseTimer();
  }

  /** @internal */
  _onProtocolError(error: ProtocolError): void {
    const err: WsError = wsErrorFrom(error);
    this._readyState = CLOSING;
    this._closeFrameSent = true;
    this._errorEmitted = true;
    this._setCloseTimer();
    // The close frame the codec queued goes out before the FIN.
    const out = this._conn!.takeOutgoing();
    if (out.length > 0) this._write(out, undefined);
    this._end();
    try {
      this.emit('error', err);
    } catch (e) {
      rethrowOnNextTick(e);
    }
  }

  private _toMessage(data: Uint8Array, isBinary: boolean): unknown {
    // A view into the receive buffer is copied; a message the codec assembled is ours already.
    const own = data.buffer !== receiving;
    // ws gives text messages as Buffers whatever the binaryType.
    if (!isBinary) return own ? asBuffer(data) : Buffer.from(data);
    switch (this._binaryType) {
      case 'nodebuffer':
        return own ? asBuffer(data) : Buffer.from(data);
      case 'arraybuffer':
        if (own && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) return data.buffer;
        return Uint8Array.prototype.slice.call(data).buffer;
      case 'fragments':
        return [own ? asBuffer(data) : Buffer.from(data)];
      default:
        return new Blob([own ? data : Buffer.from(data)]);
    }
  }

  private _hold(event: string, payload: unknown, isBinary: boolean): void {
    (this._held ??= []).push([event, payload, isBinary]);
    if (!this._heldScheduled) {
      this._heldScheduled = true;
      setImmediate(() => this._flushHeld(false));
    }
  }

  /** Emits one held event per macrotask (ws's `allowSynchronousEvents: false`). */
  private _flushHeld(all: boolean): void {
    const held = this._held;
    this._heldScheduled = false;
    if (held === undefined) return;
    do {
      const next = held.shift();
      if (next === undefined) break;
      try {
        if (next[0] === 'message') this.emit('message', next[1] as RawData, next[2]);
        else this.emit(next[0] as 'ping', next[1] as Buffer);
      } catch (error) {
        rethrowOnNextTick(error);
      }
    } while (all);
    if (held.length > 0 && !this._heldScheduled) {
      this._heldScheduled = true;
      setImmediate(() => this._flushHeld(false));
    }
  }
}

/** Bits of `WebSocket#_bits` (a small integer, so it costs no more than a pointer). */
const enum Bit {
  CLOSE_FRAME_RECEIVED = 1,
  CLOSE_FRAME_SENT = 2,
  ALLOW_SYNCHRONOUS_EVENTS = 4,
  TRACKED = 8,
  COUNTED = 16,
  /** Two bits: the readyState. */
  READY_STATE_SHIFT = 5,
  /** Two bits: the index of the binaryType in BINARY_TYPES. */
  BINARY_TYPE_SHIFT = 7,
  /** terminate() was called: the socket is destroyed once the transport flushed this batch. */
  TERMINATED = 512,
}

/**
 * The ArrayBuffer of the chunk a WebSocket is receiving (views into it are copied for the
 * user, since the transport reuses it). One per process: receiving is synchronous, and a nested
 * receive restores the outer value when it returns.
 */
let receiving: ArrayBufferLike | undefined;

/**
 * What a WebSocket holds only while bytes or callbacks are in transit: frames written before an
 * adopted socket is ready, send callbacks behind backpressure, sends behind a Blob being read,
 * frames held by reference. Made on first use and dropped when all are empty again.
 */
class IoState {
  preOpen: Uint8Array[] | undefined = undefined;
  pendingCallbacks: Callback[] | undefined = undefined;
  sendQueue: QueuedSend[] | undefined = undefined;
  /** Frames held by reference until the transport takes them (see `_write`). */
  unsent: Uint8Array[] | undefined = undefined;
  unsentBytes = 0;
  /** `_end()` was called while frames were held: end once they are handed over. */
  endWhenSent = false;
}

/**
 * The largest piece of a held frame handed to the transport at once: what a slow reader costs
 * in copies. Above the size the native transport writes directly (a quarter of its 1 MiB send
 * arena), so its answer says whether the kernel took the piece.
 */
const HELD_PIECE_BYTES = 384 * 1024;

/**
 * The state a WebSocket rarely touches (closing details, pause, the client's handshake, ...),
 * with its defaults. A WebSocket makes its own on the first write of one of these fields; until
 * then reads come from {@link COLD_DEFAULTS}.
 */
class ColdState {
  _closeCode = 1006;
  _closeMessage: Buffer = EMPTY_BUFFER;
  _closeTimer: NodeJS.Timeout | null = null;
  _closeTimeout = DEFAULT_CLOSE_TIMEOUT;
  _errorEmitted = false;
  _extensions = '';
  _paused = false;
  _protocol = '';
  _isServer = true;
  _url: string | undefined = undefined;
  _bufferedAmount = 0;
  _held: Array<[string, unknown, boolean]> | undefined = undefined;
  _heldScheduled = false;
  _eof = false;
  _client: import('./client.js').ClientState | undefined = undefined;
  _req: unknown = null;
  _senderObject: Sender | undefined = undefined;
}

const COLD_DEFAULTS: Readonly<ColdState> = Object.freeze(new ColdState());

for (const key of Object.keys(COLD_DEFAULTS) as Array<keyof ColdState>) {
  Object.defineProperty(WebSocket.prototype, key, {
    get(this: WebSocket) {
      return (this._cold ?? COLD_DEFAULTS)[key];
    },
    set(this: WebSocket, value: never) {
      (this._cold ??= new ColdState())[key] = value;
    },
    configurable: true,
  });
}

// ws's property descriptors: the constants on the class and its prototype are enumerable and
// fixed; the public accessors are enumerable, unlike class syntax's.
for (const [i, name] of READY_STATES.entries()) {
  Object.defineProperty(WebSocket, name, { enumerable: true, value: i });
  Object.defineProperty(WebSocket.prototype, name, { enumerable: true, value: i });
}
for (const name of ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url', 'onopen', 'onerror', 'onclose', 'onmessage']) {
  Object.defineProperty(WebSocket.prototype, name, { enumerable: true });
}

/** The bytes of ws's data types (views are not copied). */
export function toBytes(data: Exclude<Data, number | Blob>): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data as unknown as number[]);
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

type ClientModule = typeof import('./client.js');
let client: ClientModule | undefined;
/** @internal Set by client.ts when it loads (avoids an import cycle at module init). */
export function registerClientModule(mod: ClientModule): void {
  client = mod;
}
function clientModule(): ClientModule {
  if (client === undefined) throw new Error('ws-compat: the client module is not loaded');
  return client;
}

export type { IncomingMessage };
