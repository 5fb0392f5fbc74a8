/**
 * `Client`: an outbound WebSocket over the same transports as the servers. An EventEmitter:
 * attach listeners right after creating it (events never fire synchronously from the
 * constructor).
 */
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { getSystemErrorName } from 'node:util';
import {
  ClientHandshake,
  type Connection,
  type ConnectionHandler,
  type ExtraHeaders,
  HandshakeError,
  type PerMessageDeflateOptions,
} from '@uws/protocol';
import { ClosedSocketError } from '../app/closed-socket-error.js';
import { rethrowOnNextTick } from '../rethrow-on-next-tick.js';
import { type RecognizedString, toBytes } from '../app/recognized-string.js';
import type { TransportChoice } from '../transport/select-transport.js';
import { type TlsClientOptions, resolveClientTls } from '../transport/tls-options.js';
import type { SocketId } from '../transport/transport.js';
import { type HubEntry, type SocketHub, hubFor } from '../transport/socket-hub.js';
import { parseWebSocketUrl } from './ws-url.js';

/** Options of {@link Client}. */
export interface ClientOptions {
  /** Subprotocols to offer, most preferred first. Default: none. */
  protocols?: readonly string[];
  /** Offer permessage-deflate (`true`: default parameters). Default: false. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /**
   * zlib level (0–9) for the messages this client compresses when permessage-deflate was
   * agreed: lower is faster, higher is smaller. Default: 1 (the codec's `DEFAULT_COMPRESSION_LEVEL`;
   * zlib's own default is 6).
   */
  compressionLevel?: number;
  /** zlib memLevel (1–9) of this client's compressor: memory vs. speed. Default: 8. */
  compressionMemLevel?: number;
  /** Messages smaller than this many bytes are sent uncompressed (not worth it). Default: 1024. */
  compressThreshold?: number;
  /** Largest message received (after inflation), in bytes; larger closes with 1009. Default: 100 MiB. */
  maxPayload?: number;
  /** Extra request headers, as an object or as `[name, value]` pairs. Default: none. */
  headers?: Readonly<Record<string, string>> | ExtraHeaders;
  /** `Origin` header. Default: none. */
  origin?: string;
  /** Seconds to connect and complete the opening handshake. Default: 10. */
  handshakeTimeout?: number;
  /** Seconds to wait for the server to close TCP after the close handshake. Default: 5. */
  closeTimeout?: number;
  /** The transport (clients choosing the same kind share one). Default: `'auto'`. */
  transport?: TransportChoice;
  /**
   * TLS for `wss://` URLs: trusted CAs, client certificate, `rejectUnauthorized`, `servername`.
   * Default: verify the server against Node's bundled root certificates and the URL's host.
   */
  tls?: TlsClientOptions;
}

/** Events of a {@link Client}. */
export interface ClientEvents {
  /** The opening handshake succeeded: `send` may be called. */
  open: [];
  /** A message, copied into a Buffer that stays valid. */
  message: [data: Buffer, isBinary: boolean];
  /** A ping from the server (already answered with a pong), its payload copied. */
  ping: [data: Buffer];
  /** A pong from the server, its payload copied. */
  pong: [data: Buffer];
  /** Connection closed: the close code (1005 none given, 1006 dropped) and reason. Always the last event. */
  close: [code: number, reason: string];
  /**
   * Connect or handshake failure, or a protocol error by the server; 'close' follows. Unlike a
   * plain EventEmitter, an 'error' nobody listens to is not thrown: 'close' still reports the end.
   */
  error: [error: Error];
}

/** `'connecting'`, `'open'`, `'closing'` (close frame sent or received) or `'closed'`. */
export type ClientState = 'connecting' | 'open' | 'closing' | 'closed';

const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;
const DEFAULT_HANDSHAKE_TIMEOUT = 10;
const DEFAULT_CLOSE_TIMEOUT = 5;

function checkInteger(value: number | undefined, min: number, max: number, name: string): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer ${min}..${max}, got ${String(value)}`);
}

/**
 * An outbound WebSocket (`connect(url, options)` or `new Client(url, options)`): connects at once,
 * on the transport of {@link ClientOptions.transport}; events in {@link ClientEvents}, `'close'`
 * always last. Messages are copied Buffers that stay valid.
 */
export class Client extends EventEmitter<ClientEvents> implements HubEntry, ConnectionHandler {
  /** The URL given. */
  readonly url: string;
  /** The subprotocol the server chose, once open. */
  protocol: string | undefined;
  private _state: ClientState = 'connecting';
  private readonly hub: SocketHub;
  private readonly id: SocketId;
  private readonly options: ClientOptions;
  /** The opening handshake (request out, 101 in, then the codec); dropped once open. */
  private handshake: ClientHandshake | undefined;
  private conn: Connection | undefined;
  private closeCode = 1006;
  private closeReason = '';
  private errored = false;

  /**
   * Starts connecting to `url` (`ws://host:port/path` or `wss://…`).
   * @throws {SyntaxError} on a bad URL; {@link TypeError} or {@link RangeError} on bad options.
   */
  constructor(url: string | URL, options: ClientOptions = {}) {
    super();
    this.url = String(url);
    this.options = options;
    checkInteger(options.compressionLevel, 0, 9, 'compressionLevel');
    checkInteger(options.compressionMemLevel, 1, 9, 'compressionMemLevel');
    checkInteger(options.compressThreshold, 0, Number.MAX_SAFE_INTEGER, 'compressThreshold');
    const target = parseWebSocketUrl(url);
    this.handshake = new ClientHandshake({
      host: target.hostHeader,
      path: target.path,
      protocols: options.protocols,
      perMessageDeflate: options.perMessageDeflate,
      origin: options.origin,
      headers: headerPairs(options.headers),
      connection: {
        compressionLevel: options.compressionLevel,
        compressionMemLevel: options.compressionMemLevel,
        compressThreshold: options.compressThreshold,
        maxPayloadLength: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
        handler: this,
      },
    });
    this.hub = hubFor(transportFor(target.host, options.transport));
    const tls = target.secure
      ? { ...resolveClientTls(options.tls), servername: options.tls?.servername ?? target.host }
      : undefined;
    this.id = this.hub.connect(target.host, target.port, this, tls);
    this.hub.transport.setTimeout(this.id, options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT);
  }

  /** Where the connection is: see {@link ClientState}. */
  get state(): ClientState {
    return this._state;
  }

  /** Bytes queued but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this._state === 'closed' ? 0 : this.hub.transport.bufferedAmount(this.id);
  }

  /**
   * Sends a message: binary by default for bytes, text for strings. Returns false when it is
   * queued behind backpressure.
   * @throws {ClosedSocketError} unless open.
   */
  send(data: RecognizedString, binary = typeof data !== 'string'): boolean {
    const conn = this.openConnection();
    const frames = !binary && typeof data === 'string' ? conn.sendText(data) : binary ? conn.sendBinary(toBytes(data)) : conn.sendText(Buffer.from(toBytes(data)).toString('utf8'));
    return this.write(frames);
  }

  /** Sends a ping (≤ 125 bytes). */
  ping(data?: RecognizedString): boolean {
    return this.write(this.openConnection().ping(data === undefined ? undefined : toBytes(data)));
  }

  /**
   * Starts the close handshake (the server then closes TCP; 'close' follows). Before the
   * connection is open it aborts instead. Does nothing once closing.
   */
  close(code = 1000, reason = ''): void {
    if (this._state === 'connecting') {
      this.terminate();
      return;
    }
    if (this._state !== 'open') return;
    this.write(this.conn!.close(code, reason));
    this._state = 'closing';
    this.hub.transport.setTimeout(this.id, this.options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT);
  }

  /** Drops the connection at once ('close' follows with 1006). */
  terminate(): void {
    if (this._state === 'closed') return;
    this.hub.transport.destroy(this.id);
  }

  // ---- HubEntry: transport events (the hub calls these; not API) ---------------------------

  /** @internal The transport connected (then the handshake request is written). */
  _onOpen(): void {
    for (const chunk of this.handshake!.dataToSend()) this.hub.transport.write(this.id, chunk);
  }

  /** @internal Bytes from the transport: the handshake response, then frames. */
  _onData(data: Uint8Array): void {
    const handshake = this.handshake;
    if (handshake === undefined) {
      this.receive(data);
      return;
    }
    if (handshake.state === 'failed') return; // the socket is being destroyed
    let rest: Uint8Array;
    try {
      const accepted = handshake.receiveData(data);
      if (accepted === undefined) return;
      rest = handshake.rest;
      this.handshake = undefined;
      this.protocol = accepted.protocol;
      this.conn = handshake.connection;
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      this.fail(error);
      return;
    }
    this._state = 'open';
    this.hub.transport.setTimeout(this.id, 0);
    this.safeEmit('open');
    if (rest.length > 0 && this._state === 'open') this.receive(rest);
  }

  /** @internal Nothing waits for a drain: sends are not queued here. */
  _onDrain(): void {}

  /** @internal The handshake or close timeout ran out. */
  _onTimeout(): void {
    if (this._state === 'connecting') this.fail(new Error('WebSocket opening handshake timed out'));
    else this.hub.transport.destroy(this.id);
  }

  /** @internal The transport socket closed. */
  _onClose(errno: number): void {
    const tlsError = this._state === 'connecting' && !this.errored ? this.hub.transport.tlsInfo?.(this.id) : undefined;
    if (tlsError !== undefined && tlsError.error !== '') {
      // The handshake failed: say why (an unverified certificate has a Node-style code).
      const code = tlsError.authorizationError !== '' ? tlsError.authorizationError : 'ERR_TLS_HANDSHAKE';
      this.emitError(Object.assign(new Error(`TLS: ${tlsError.error} (${this.url})`), { code, errno }));
    } else if (this._state === 'connecting' && !this.errored && errno !== 0) {
      const name = safeErrorName(errno);
      const error = Object.assign(new Error(`connect ${name} ${this.url}`), { code: name, errno });
      this.emitError(error);
    } else if (this._state === 'connecting' && !this.errored) {
      this.emitError(new Error('connection closed before the WebSocket opening handshake completed'));
    }
    this.conn?.receiveEof();
    this._state = 'closed';
    this.safeEmit('close', this.closeCode, this.closeReason);
  }

  // ---- ConnectionHandler: codec events ----------------------------------------------------

  /** @internal A message from the codec. */
  onMessage(data: Uint8Array, isBinary: boolean): void {
    this.safeEmit('message', Buffer.from(data), isBinary);
  }

  /** @internal A ping from the codec (it queued the pong). */
  onPing(data: Uint8Array): void {
    this.safeEmit('ping', Buffer.from(data));
  }

  /** @internal A pong from the codec. */
  onPong(data: Uint8Array): void {
    this.safeEmit('pong', Buffer.from(data));
  }

  /** @internal A protocol error found by the codec. */
  onError(error: Error): void {
    this.emitError(error);
  }

  /** @internal The codec's close: the server's close frame, a protocol error, or EOF. */
  onClose(code: number, reason: string): void {
    this.closeCode = code;
    this.closeReason = reason;
  }

  // ---- internals --------------------------------------------------------------------------

  private receive(data: Uint8Array): void {
    const conn = this.conn!;
    conn.receive(data);
    const out = conn.takeOutgoing();
    for (let i = 0; i < out.length; i++) this.hub.transport.write(this.id, out[i]);
    if (conn.shouldCloseTransport) this.hub.transport.end(this.id);
    else if (conn.state === 'closed' && this._state !== 'closed') {
      // Handshake done: the server closes TCP first; bound the wait.
      this._state = 'closing';
      this.hub.transport.setTimeout(this.id, this.options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT);
    }
  }

  private openConnection(): Connection {
    if (this._state !== 'open') throw new ClosedSocketError(`WebSocket is not open (state: ${this._state})`);
    return this.conn!;
  }

  private write(frames: Uint8Array[]): boolean {
    let clear = true;
    for (let i = 0; i < frames.length; i++) clear = this.hub.transport.write(this.id, frames[i]) && clear;
    return clear;
  }

  private fail(error: Error): void {
    this.emitError(error);
    this.hub.transport.destroy(this.id);
  }

  private emitError(error: Error): void {
    this.errored = true;
    // An 'error' without a listener would throw from inside the transport: report it only when heard.
    if (this.listenerCount('error') > 0) this.safeEmit('error', error);
  }

  /**
   * Emits without letting a listener's exception cut through the codec mid-receive: it
   * surfaces as an uncaught exception afterwards.
   */
  private safeEmit<K extends keyof ClientEvents>(event: K, ...args: ClientEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: ClientEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      rethrowOnNextTick(error);
    }
  }
}

/**
 * The epoll transport connects to IP addresses only (a DNS lookup has no place in its loop):
 * with `'auto'`, a host name goes through node:net, which resolves it; an explicit `'epoll'`
 * with a host name is refused with a clear error.
 */
function transportFor(host: string, choice: TransportChoice | undefined): TransportChoice | undefined {
  if (isIP(host) !== 0 || host === 'localhost' || (typeof choice === 'object' && choice !== null)) return choice;
  if (choice === 'epoll') {
    throw new TypeError(`the epoll transport connects to IP addresses: resolve ${JSON.stringify(host)} first, or use transport 'node'`);
  }
  return choice === undefined || choice === 'auto' ? 'node' : choice;
}

/** Starts a client (same as `new Client(url, options)`): see {@link Client} and {@link ClientOptions}. */
export function connect(url: string | URL, options?: ClientOptions): Client {
  return new Client(url, options);
}

function headerPairs(headers: ClientOptions['headers']): ExtraHeaders | undefined {
  if (headers === undefined || Array.isArray(headers)) return headers as ExtraHeaders | undefined;
  return Object.entries(headers as Record<string, string>);
}

function safeErrorName(errno: number): string {
  try {
    return getSystemErrorName(-Math.abs(errno));
  } catch {
    return `errno ${errno}`;
  }
}
