/**
 * `WebSocket`: ws 8's class (EventEmitter events, WHATWG face, semantics), driving one
 * `Connection` of @uws/protocol over a socket of a uws transport. The same class is the server
 * side (made by a `WebSocketServer`) and the client (`new WebSocket(url)`).
 *
 * Its parts live next to it: the send path in send-queue.ts, the receive path in
 * receive-bridge.ts, `ws._socket` in socket-facade.ts, and how its fields are packed to keep an
 * idle socket small in packed-state.ts.
 */
import { Buffer } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { type HubEntry, type SocketHub as Hub, type SocketId, compactId, rethrowOnNextTick } from '@uws/native';
import { Connection, type ConnectionHandler, type DeflateParams, isValidWireCloseCode } from '@uws/protocol';
import type { ClientState } from './client.js';
import {
  BINARY_TYPES,
  type BinaryType,
  CLOSED,
  CLOSING,
  CONNECTING,
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_MAX_PENDING_AUTO_PONGS,
  NO_AUTO_PONG,
  OPEN,
  READY_STATES,
} from './constants.js';
import { type EventListenerLike, addEventListener, getOnAttribute, removeEventListener, setOnAttribute } from './event-target.js';
import { LeanEmitter } from './lean-emitter.js';
import { Bit, type Callback, type ColdState, INITIAL_BITS, type IoState, type PackedFields, installPackedState } from './packed-state.js';
import { ReceiverBridge, flushHeld, receive } from './receive-bridge.js';
import { type QueuedSend, bytesNotHandedOver, dropHeld, send, sendAfterClose, sendControl, sendFrameList, sendNow, writeFrames, writeHeld } from './send-queue.js';
import { Sender } from './sender.js';
import { SocketFacade } from './socket-facade.js';

// Imported from here by the server, the client and the HTTP upgrade.
export { SocketFacade };

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
  /** ws's `maxPendingAutoPongs`: automatic pongs not yet written past which the peer is terminated (0: no limit). */
  maxPendingAutoPongs: number;
  allowSynchronousEvents: boolean;
  threshold: number;
  level: number | undefined;
  memLevel: number | undefined;
  maxFragments: number | undefined;
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

/**
 * ws 8's `WebSocket`: `new WebSocket(url, protocols?, options)` connects (options and defaults in
 * `ClientOptions`); a `WebSocketServer` makes the server side. Events in {@link WebSocketEventMap}.
 */
export class WebSocket extends LeanEmitter<WebSocketEventMap> implements HubEntry, PackedFields {
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
  // LeanEmitter); the rest is packed (see packed-state.ts), so an idle server socket carries
  // only these.
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
  _bits: number = INITIAL_BITS;
  /** @internal The rarely used state, made on first write (see {@link ColdState}). */
  _cold: ColdState | undefined = undefined;

  // Accessors on the prototype backed by `_bits` (installed by installPackedState, below).
  /** @internal ws's readyState (CONNECTING, OPEN, CLOSING, CLOSED). */ declare _readyState: number;
  /** @internal */ declare _binaryType: BinaryType;
  /** @internal */ declare _closeFrameReceived: boolean;
  /** @internal */ declare _closeFrameSent: boolean;
  /** @internal */ declare _allowSynchronousEvents: boolean;
  /** @internal The server tracking this WebSocket in `clients`. */
  declare _owner: { _clientClosed(ws: WebSocket): void } | undefined;
  /** @internal The `port` server that accepted this socket (counts its live sockets). */
  declare _countedBy: { _socketGone(): void } | undefined;
  // ... backed by `_io`:
  /** @internal Frames written before an adopted socket is ready. */ declare _preOpen: Uint8Array[] | undefined;
  /** @internal Send callbacks waiting for backpressure to clear. */ declare _pendingCallbacks: Callback[] | undefined;
  /** @internal Sends waiting behind a Blob being read (keeps the order). */ declare _sendQueue: QueuedSend[] | undefined;
  // ... and backed by `_cold`:
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
  declare _client: ClientState | undefined;
  /** @internal */ declare _req: unknown;
  /** @internal */ declare _senderObject: Sender | undefined;
  /** @internal */ declare _pongLimit: number;
  /** @internal */ declare _pendingAutoPongs: number;

  /** @internal The ConnectionHandler given to the codec (ws's `_receiver`), null before the connection is set up. */
  get _receiver(): ConnectionHandler | null {
    const conn = this._conn as unknown as { handler: ConnectionHandler | undefined } | undefined;
    return conn?.handler ?? null;
  }

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
    return this._hub.transport.bufferedAmount(this._id) + bytesNotHandedOver(this) + this._bufferedAmount;
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
    writeFrames(this, this._conn!.close(code, reason), undefined);
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
    sendControl(this, 'ping', data, mask, cb);
  }

  pong(data?: unknown, mask?: unknown, cb?: Callback): void {
    sendControl(this, 'pong', data, mask, cb);
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
      sendAfterClose(this, data, cb);
      return;
    }
    send(this, data, options, cb);
  }

  // ---- internals: sending (see send-queue.ts) ---------------------------------------------

  /** @internal */
  _sendNow(data: Exclude<Data, number | Blob>, options: SendOpts | undefined, cb: Callback | undefined): void {
    sendNow(this, data, options, cb);
  }

  /**
   * @internal Writes frames, and runs `cb` once they left (next tick, or after a drain).
   * Returns false when bytes wait (backpressure).
   */
  _write(frames: Uint8Array[], cb: Callback | undefined): boolean {
    return writeFrames(this, frames, cb);
  }

  /** @internal Writes already framed bytes (ws's `Sender#sendFrame`; one list sent to many sockets is joined once). */
  _sendFrame(list: readonly Uint8Array[], cb: Callback | undefined): void {
    if (this._readyState !== OPEN || this._closeFrameSent) {
      sendAfterClose(this, undefined, cb);
      return;
    }
    sendFrameList(this, list, cb);
  }

  /** @internal Destroys the socket if the closing handshake has not ended within `closeTimeout`. */
  _setCloseTimer(): void {
    if (this._closeTimer !== null) return;
    this._closeTimer = setTimeout(() => {
      this._closeTimer = null;
      if (this._hub !== undefined && this._readyState !== CLOSED) this._hub.transport.destroy(this._id);
    }, this._closeTimeout);
  }

  /** @internal Ends the socket (FIN) once what is written has been handed over. */
  _end(): void {
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
    const pongLimit = params.autoPong ? Math.max(0, params.maxPendingAutoPongs | 0) : NO_AUTO_PONG;
    if (pongLimit !== DEFAULT_MAX_PENDING_AUTO_PONGS) this._pongLimit = pongLimit;
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
      // Pongs are sent by the receive bridge (onPing), counted as ws counts them.
      autoPong: false,
      skipUtf8Validation: params.skipUTF8Validation,
      compressThreshold: params.threshold,
      compressionLevel: params.level,
      compressionMemLevel: params.memLevel,
      echoCloseReason: true,
      // Large payloads are unmasked by the transport's native XOR, when it has one.
      unmask: this._hub?.transport.unmask,
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
    if (writeFrames(this, pre, undefined)) {
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
    receive(conn, data);
    const out = conn.takeOutgoing();
    if (out.length > 0) writeFrames(this, out, undefined);
    if (this._closeFrameReceived && this._closeFrameSent && this._readyState === CLOSING) this._end();
  }

  /** @internal */
  _onDrain(): void {
    if (this._io?.unsent !== undefined && !writeHeld(this)) return;
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
    dropHeld(this);
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
        flushHeld(this, true);
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
}

installPackedState(WebSocket.prototype);

// ws's property descriptors: the constants on the class and its prototype are enumerable and
// fixed; the public accessors are enumerable, unlike class syntax's.
for (const [i, name] of READY_STATES.entries()) {
  Object.defineProperty(WebSocket, name, { enumerable: true, value: i });
  Object.defineProperty(WebSocket.prototype, name, { enumerable: true, value: i });
}
for (const name of ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url', 'onopen', 'onerror', 'onclose', 'onmessage']) {
  Object.defineProperty(WebSocket.prototype, name, { enumerable: true });
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
