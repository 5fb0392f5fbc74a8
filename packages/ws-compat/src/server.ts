/**
 * `WebSocketServer`: ws 8's server. With `port` it listens on the uws transport (the native
 * epoll loop where the addon loads) and reads the upgrade requests itself; with `server` or
 * `noServer` it takes upgrades from Node's HTTP server and moves each accepted socket onto the
 * native loop (a plain TCP socket) or serves it through the node:net transport (TLS, any other
 * Duplex).
 */
import { Buffer } from 'node:buffer';
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { Socket, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ListenHandle, type SocketHub as Hub, type TransportChoice, hubFor } from '@uws/native';
import { type DeflateParams, HandshakeError, type PerMessageDeflateOptions as NegotiationOptions, ServerHandshake, isHttpToken } from '@uws/protocol';
import { type CloseOnSignalOptions, closeServerOnSignal } from './close-on-signal.js';
import { DEFAULT_CLOSE_TIMEOUT, DEFAULT_MAX_FRAGMENTS, DEFAULT_MAX_PENDING_AUTO_PONGS, DEFAULT_MAX_PAYLOAD, fragmentLimit } from './constants.js';
import { acceptableAsWs } from './extension-offers.js';
import { HttpUpgradeEntry } from './http-upgrade.js';
import { requestHeader } from './upgrade-request.js';
import { NodeUpgradeSocket, type UpgradeSocket, socketOnError } from './upgrade-socket.js';
import { type AttachParams, WebSocket } from './websocket.js';

/** ws's `perMessageDeflate` object. */
export interface PerMessageDeflateOptions {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  serverMaxWindowBits?: number | boolean;
  clientMaxWindowBits?: number | boolean;
  /** Messages smaller than this (bytes) are not compressed. Default 1024. */
  threshold?: number;
  /** Accepted for compatibility (compression here is synchronous, there is no queue to limit). */
  concurrencyLimit?: number;
  /**
   * `level` and `memLevel` are used; other zlib options are ignored. Default level: 1, zlib's
   * fastest (ws leaves zlib's default, 6): about a third of the CPU with ws's context takeover,
   * for about 18 % more compressed bytes. Set `level: 6` for ws's output size.
   */
  zlibDeflateOptions?: { level?: number; memLevel?: number; [key: string]: unknown };
  /** Accepted for compatibility; ignored. */
  zlibInflateOptions?: Record<string, unknown>;
}

/** What `verifyClient` is given. */
export interface VerifyClientInfo {
  origin: string | undefined;
  secure: boolean;
  req: IncomingMessage;
}

/** ws's synchronous `verifyClient`: true accepts the upgrade, false answers 401. */
export type VerifyClientCallbackSync = (info: VerifyClientInfo) => boolean;
/** ws's asynchronous `verifyClient`: `callback(false, code?, message?, headers?)` rejects with that status. */
export type VerifyClientCallbackAsync = (
  info: VerifyClientInfo,
  callback: (res: boolean, code?: number, message?: string, headers?: Record<string, string | number>) => void,
) => void;

/** ws 8's `ServerOptions`, plus `transport`. */
export interface ServerOptions {
  host?: string;
  port?: number;
  backlog?: number;
  server?: HttpServer | { on: HttpServer['on']; removeListener: HttpServer['removeListener']; address: HttpServer['address'] };
  verifyClient?: VerifyClientCallbackSync | VerifyClientCallbackAsync;
  handleProtocols?: (protocols: Set<string>, request: IncomingMessage) => string | false;
  path?: string;
  noServer?: boolean;
  clientTracking?: boolean;
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  maxPayload?: number;
  skipUTF8Validation?: boolean;
  autoPong?: boolean;
  /**
   * As in ws 8.23: the most automatic pongs that may wait to be written; a peer that pings
   * past it without reading is terminated (1006). 0: no limit. Default: 60.
   */
  maxPendingAutoPongs?: number;
  allowSynchronousEvents?: boolean;
  closeTimeout?: number;
  /**
   * Most frames one received message may have; more fails the connection (1009); 0: no limit.
   * Default: 131 072 (ws: 16 384): memory here is bounded by `maxPayload`, not by frames, and
   * ws's value fails Autobahn 9.3/9.4 (see `DEFAULT_MAX_FRAGMENTS`).
   */
  maxFragments?: number;
  /** The class of the WebSockets made (must extend this package's WebSocket). */
  WebSocket?: typeof WebSocket;
  /**
   * Not in ws (its internal HTTP server has Node's `headersTimeout`): in `port` mode, how long
   * (ms, rounded up to whole seconds) a new connection may take to send its request head
   * before it is dropped. Default: 60 000 (Node's `headersTimeout`).
   */
  handshakeTimeout?: number;
  /**
   * Not in ws: the transport to run on (`'auto'`: the native epoll loop where the addon loads,
   * else node:net; `'node'`; `'epoll'`). Default `'auto'`.
   */
  transport?: TransportChoice;
}

type ResolvedOptions = Required<Pick<ServerOptions, 'maxPayload' | 'skipUTF8Validation' | 'autoPong' | 'maxPendingAutoPongs' | 'allowSynchronousEvents' | 'closeTimeout' | 'clientTracking' | 'noServer'>> &
  ServerOptions & { perMessageDeflate: false | PerMessageDeflateOptions };

const RUNNING = 0;
const CLOSING = 1;
const CLOSED = 2;
const KEY = /^[+/0-9A-Za-z]{22}==$/;

export interface WebSocketServerEvents {
  connection: [socket: WebSocket, request: IncomingMessage];
  error: [error: Error];
  headers: [headers: string[], request: IncomingMessage];
  close: [];
  listening: [];
  /** `socket`: the Duplex given to handleUpgrade, or (`port` mode) a socket-like object with write/end/destroy. */
  wsClientError: [error: Error, socket: Duplex, request: IncomingMessage];
}

/**
 * ws 8's `WebSocketServer` on the uws transport: `port` (the native loop accepts), `server` or
 * `noServer` (`handleUpgrade` takes the socket off a node:http server); options and defaults in
 * {@link ServerOptions}, ws's events and semantics.
 */
export class WebSocketServer extends EventEmitter<WebSocketServerEvents> {
  readonly options: ResolvedOptions;
  /** The connected clients, when `clientTracking` is on (the default). */
  clients!: Set<WebSocket>;
  /** @internal */ _state = RUNNING;
  /** @internal */ _shouldEmitClose = false;
  /** @internal */ _server: ServerOptions['server'] | null = null;
  private _removeListeners: (() => void) | null = null;
  /** @internal The transport hub in `port` mode. */
  _hub: Hub | undefined;
  private _listener: ListenHandle | undefined;
  private _host = '';
  /** @internal Sockets of this server in `port` mode (handshaking or open), for 'close'. */
  _live = 0;
  private _closeWhenIdle = false;
  /** Removes the handlers `closeOnSignal` installed. */
  private _signalCleanup: (() => void) | undefined = undefined;
  private readonly _negotiation: NegotiationOptions | undefined;
  /** The attach parameters of a connection without permessage-deflate, made once. */
  private _plainParams: Readonly<AttachParams> | undefined;

  constructor(options?: ServerOptions, callback?: () => void) {
    super();
    options ??= {};
    const opts: ResolvedOptions = {
      allowSynchronousEvents: true,
      autoPong: true,
      maxPendingAutoPongs: DEFAULT_MAX_PENDING_AUTO_PONGS,
      maxPayload: DEFAULT_MAX_PAYLOAD,
      skipUTF8Validation: false,
      clientTracking: true,
      closeTimeout: DEFAULT_CLOSE_TIMEOUT,
      noServer: false,
      ...options,
      perMessageDeflate: options.perMessageDeflate === true ? {} : (options.perMessageDeflate ?? false),
    };
    if (
      (opts.port == null && !opts.server && !opts.noServer) ||
      (opts.port != null && (opts.server || opts.noServer)) ||
      (opts.server && opts.noServer)
    ) {
      throw new TypeError('One and only one of the "port", "server", or "noServer" options must be specified');
    }
    if (opts.perMessageDeflate !== false) {
      const p = opts.perMessageDeflate;
      this._negotiation = {
        serverNoContextTakeover: p.serverNoContextTakeover === true,
        clientNoContextTakeover: p.clientNoContextTakeover === true,
        serverMaxWindowBits: typeof p.serverMaxWindowBits === 'number' ? p.serverMaxWindowBits : undefined,
        clientMaxWindowBits: typeof p.clientMaxWindowBits === 'number' ? p.clientMaxWindowBits : p.clientMaxWindowBits === true ? true : undefined,
      };
      ServerHandshake.checkDeflateOptions(this._negotiation); // validates the options now (RangeError)
    }
    this.options = opts;
    if (opts.clientTracking) this.clients = new Set();
    if (opts.port != null) {
      if (callback !== undefined) this.once('listening', callback);
      this._hub = hubFor(opts.transport ?? 'auto');
      this._listen(opts);
    } else if (opts.server) {
      const server = opts.server;
      this._server = server;
      const onListening = (): void => void this.emit('listening');
      const onError = (error: Error): void => void this.emit('error', error);
      const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
        this.handleUpgrade(req, socket, head, (ws, request) => this.emit('connection', ws, request));
      };
      server.on('listening', onListening);
      server.on('error', onError);
      server.on('upgrade', onUpgrade);
      this._removeListeners = () => {
        server.removeListener('listening', onListening);
        server.removeListener('error', onError);
        server.removeListener('upgrade', onUpgrade);
      };
    }
  }

  /**
   * One-line graceful shutdown (not in ws): on SIGTERM or SIGINT (`options.signals`), stops
   * accepting, closes every client with 1001 after its queued data, waits for them up to
   * `options.timeout` ms (default 10 000), terminates the rest, then raises the signal again so
   * the process ends as it would have. Needs `clientTracking` (the default) to reach the
   * clients. Returns the server.
   */
  closeOnSignal(options?: CloseOnSignalOptions): this {
    this._signalCleanup?.();
    this._signalCleanup = closeServerOnSignal(this, options);
    return this;
  }

  /** The bound address (`{ address, family, port }`), or null when not listening. */
  address(): ReturnType<HttpServer['address']> {
    if (this.options.noServer) throw new Error('The server is operating in "noServer" mode');
    if (this._server) return this._server.address();
    if (this._listener === undefined || this._state === CLOSED) return null;
    const address = this._host === '' ? '::' : this._host;
    return { address, family: isIP(address) === 6 ? 'IPv6' : 'IPv4', port: this._listener.port };
  }

  /**
   * Stops accepting connections; 'close' is emitted once the open ones have closed (ws 8:
   * existing connections are not closed, close them through `clients`).
   */
  close(cb?: (err?: Error) => void): void {
    this._signalCleanup?.();
    this._signalCleanup = undefined;
    if (this._state === CLOSED) {
      if (cb) this.once('close', () => cb(new Error('The server is not running')));
      process.nextTick(emitClose, this);
      return;
    }
    if (cb) this.once('close', cb);
    if (this._state === CLOSING) return;
    this._state = CLOSING;
    if (this.options.noServer || this.options.server) {
      if (this._removeListeners) {
        this._removeListeners();
        this._removeListeners = null;
        this._server = null;
      }
      if (this.clients) {
        if (!this.clients.size) process.nextTick(emitClose, this);
        else this._shouldEmitClose = true;
      } else process.nextTick(emitClose, this);
      return;
    }
    // port mode: the listener goes now; 'close' once its connections are gone (as Node's
    // http.Server, which ws closes, does).
    if (this._listener !== undefined) {
      this._hub!.listeners.delete(this._listener.id);
      this._hub!.transport.closeListener(this._listener.id);
    }
    if (this._live === 0) process.nextTick(emitClose, this);
    else this._closeWhenIdle = true;
  }

  /** Whether this server takes the request: ws checks the `path` option. */
  shouldHandle(req: IncomingMessage): boolean {
    if (this.options.path) {
      const url = req.url ?? '';
      const index = url.indexOf('?');
      const pathname = index !== -1 ? url.slice(0, index) : url;
      if (pathname !== this.options.path) return false;
    }
    return true;
  }

  /**
   * Handles an HTTP upgrade request from any HTTP server (`noServer` mode): validates it, runs
   * `verifyClient`, answers with 101 and calls `cb(ws, req)`.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: WebSocket, request: IncomingMessage) => void): void {
    socket.on('error', socketOnError);
    this._handleUpgrade(req, new NodeUpgradeSocket(socket, head, this.options.transport), cb);
  }

  // ---- internals ------------------------------------------------------------------------------

  /** @internal The handshake, for both kinds of socket (ws's handleUpgrade + completeUpgrade). */
  _handleUpgrade(req: IncomingMessage, socket: UpgradeSocket, cb: (ws: WebSocket, request: IncomingMessage) => void): void {
    // Single fields: a request read in `port` mode builds `req.headers` only if someone reads it.
    const key = requestHeader(req, 'sec-websocket-key');
    const upgrade = requestHeader(req, 'upgrade');
    const version = +(requestHeader(req, 'sec-websocket-version') ?? NaN);
    if (req.method !== 'GET') return this._clientError(req, socket, 405, 'Invalid HTTP method');
    if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket') return this._clientError(req, socket, 400, 'Invalid Upgrade header');
    if (key === undefined || !KEY.test(key)) return this._clientError(req, socket, 400, 'Missing or invalid Sec-WebSocket-Key header');
    if (version !== 13 && version !== 8) {
      return this._clientError(req, socket, 400, 'Missing or invalid Sec-WebSocket-Version header', { 'Sec-WebSocket-Version': '13, 8' });
    }
    if (!this.shouldHandle(req)) return socket.abort(400);

    const offered = requestHeader(req, 'sec-websocket-protocol');
    let protocols = new Set<string>();
    if (offered !== undefined) {
      const parsed = parseSubprotocols(offered);
      if (parsed === undefined) return this._clientError(req, socket, 400, 'Invalid Sec-WebSocket-Protocol header');
      protocols = parsed;
    }

    // ws's request checks and wording above; the negotiation and the 101 are the handshake's.
    const handshake = new ServerHandshake();
    const extensions = requestHeader(req, 'sec-websocket-extensions');
    const negotiation = this._negotiation;
    if (negotiation !== undefined && extensions !== undefined) {
      const pmd = this.options.perMessageDeflate as PerMessageDeflateOptions;
      try {
        handshake.negotiateDeflate(extensions, { options: negotiation, strict: true, acceptOffer: (offer) => acceptableAsWs(offer, pmd) });
      } catch (error) {
        if (!(error instanceof HandshakeError)) throw error;
        return this._clientError(req, socket, 400, 'Invalid or unacceptable Sec-WebSocket-Extensions header');
      }
    }

    const verify = this.options.verifyClient;
    if (verify) {
      const reqSocket = req.socket as (Socket & { authorized?: boolean; encrypted?: boolean }) | undefined;
      const info: VerifyClientInfo = {
        origin: requestHeader(req, version === 8 ? 'sec-websocket-origin' : 'origin'),
        secure: !!(reqSocket?.authorized || reqSocket?.encrypted),
        req,
      };
      if (verify.length === 2) {
        (verify)(info, (verified, code, message, extra) => {
          if (!verified) return socket.abort(code || 401, message, extra);
          this._completeUpgrade(handshake, key, protocols, req, socket, cb);
        });
        return;
      }
      if (!(verify as VerifyClientCallbackSync)(info)) return socket.abort(401);
    }
    this._completeUpgrade(handshake, key, protocols, req, socket, cb);
  }

  private _completeUpgrade(
    handshake: ServerHandshake,
    key: string,
    protocols: Set<string>,
    req: IncomingMessage,
    socket: UpgradeSocket,
    cb: (ws: WebSocket, request: IncomingMessage) => void,
  ): void {
    // Checked first: a socket we upgraded is no longer readable here (its fd moved), unlike ws's.
    if (socket.handled()) {
      throw new Error('server.handleUpgrade() was called more than once with the same socket, possibly due to a misconfiguration');
    }
    if (!socket.alive()) return socket.destroy();
    if (this._state > RUNNING) return socket.abort(503);
    const Ctor = this.options.WebSocket ?? WebSocket;
    const ws = new Ctor(null, undefined, this.options as unknown as Record<string, unknown>);
    let protocol: string | false | undefined;
    if (protocols.size) {
      const handle = this.options.handleProtocols;
      protocol = handle ? handle(protocols, req) : protocols.values().next().value;
      if (protocol) ws._protocol = protocol;
    }
    // The 'headers' listeners edit the 101's lines; what they leave is sent as it is (ws's rule).
    const { deflate } = handshake.accept({ key, protocol: protocol || null, editLines: (lines) => this.emit('headers', lines, req) });
    if (deflate !== undefined) ws._extensions = 'permessage-deflate';
    // Without permessage-deflate every connection of this server gets the same parameters: one
    // shared object (a WebSocket keeps them until its codec is made).
    const params = deflate === undefined ? (this._plainParams ??= this._attachParams(undefined)) : this._attachParams(deflate);
    socket.accept(handshake.dataToSend()[0], ws, params, req);
    if (this.clients) {
      this.clients.add(ws);
      ws._owner = this;
    }
    cb(ws, req);
  }

  private _attachParams(deflate: DeflateParams | undefined): AttachParams {
    const pmd = this.options.perMessageDeflate;
    return {
      deflate,
      maxPayload: this.options.maxPayload,
      skipUTF8Validation: this.options.skipUTF8Validation,
      autoPong: this.options.autoPong,
      maxPendingAutoPongs: this.options.maxPendingAutoPongs,
      allowSynchronousEvents: this.options.allowSynchronousEvents,
      threshold: pmd === false ? 1024 : (pmd.threshold ?? 1024),
      level: pmd === false ? undefined : pmd.zlibDeflateOptions?.level,
      memLevel: pmd === false ? undefined : pmd.zlibDeflateOptions?.memLevel,
      maxFragments: fragmentLimit(this.options.maxFragments ?? DEFAULT_MAX_FRAGMENTS),
    };
  }

  /** @internal A WebSocket of this server closed (before its 'close' listeners run). */
  _clientClosed(ws: WebSocket): void {
    if (this.clients) {
      this.clients.delete(ws);
      if (this._shouldEmitClose && !this.clients.size) process.nextTick(emitClose, this);
    }
  }

  /** @internal A socket accepted in `port` mode is gone. */
  _socketGone(): void {
    this._live--;
    if (this._live === 0 && this._closeWhenIdle) {
      this._closeWhenIdle = false;
      process.nextTick(emitClose, this);
    }
  }

  private _clientError(req: IncomingMessage, socket: UpgradeSocket, code: number, message: string, headers?: Record<string, string>): void {
    if (this.listenerCount('wsClientError')) {
      const err = new Error(message);
      // eslint-disable-next-line @typescript-eslint/unbound-method -- only marks where the stack trace starts; never called
      Error.captureStackTrace(err, this._clientError);
      this.emit('wsClientError', err, socket.userSocket as Duplex, req);
    } else {
      socket.abort(code, message, headers);
    }
  }

  private _listen(opts: ResolvedOptions): void {
    const hub = this._hub!;
    const host = opts.host ?? undefined;
    const start = (address: string | undefined): void => {
      if (this._state !== RUNNING) return;
      let result: ListenHandle | Promise<ListenHandle>;
      try {
        result = hub.transport.listen({ host: address, port: opts.port ?? 0, backlog: opts.backlog ?? undefined });
      } catch (error) {
        process.nextTick(() => this.emit('error', error as Error));
        return;
      }
      const done = (handle: ListenHandle): void => {
        this._host = address ?? '';
        if (this._state !== RUNNING) {
          hub.transport.closeListener(handle.id);
          return;
        }
        this._listener = handle;
        hub.listeners.set(handle.id, (h, id) => {
          this._live++;
          return new HttpUpgradeEntry(this, h, id);
        });
        this.emit('listening');
      };
      if (result instanceof Promise) result.then(done, (error: Error) => this.emit('error', error));
      else process.nextTick(done, result);
    };
    // The native loop binds IP addresses only: a host name is resolved first.
    if (hub.transport.kind === 'epoll' && host !== undefined && host !== 'localhost' && isIP(host) === 0) {
      lookup(host).then(
        (r) => start(r.address),
        (error: Error) => this.emit('error', error),
      );
    } else start(host);
  }
}

function emitClose(server: WebSocketServer): void {
  server._state = CLOSED;
  server.emit('close');
}

/** ws's subprotocol list parser: tokens, comma-separated, no empty element, no repeat. */
function parseSubprotocols(header: string): Set<string> | undefined {
  const protocols = new Set<string>();
  for (const part of header.split(',')) {
    const protocol = part.replace(/^[ \t]+|[ \t]+$/g, '');
    if (!isHttpToken(protocol) || protocols.has(protocol)) return undefined;
    protocols.add(protocol);
  }
  return protocols;
}

