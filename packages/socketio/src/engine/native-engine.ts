/**
 * An engine.io v4 server on the `@uws/native` App, for Socket.IO's `io.bind(engine)`: HTTP
 * long-polling and websocket on App routes, with no Node `http` server in the path. It keeps
 * engine.io 6's behaviour (options, events, error codes and messages, the polling → websocket
 * upgrade) and never lets a request that went away reach a response that is gone.
 */
import { EventEmitter } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http';
import { serialize } from 'cookie';
import cors from 'cors';
import {
  App,
  DISABLED,
  SHARED_COMPRESSOR,
  type HttpRequest,
  type HttpResponse,
  type TemplatedApp,
  type WebSocket,
  us_listen_socket_close,
  us_socket_local_port,
} from '@uws/native';
import { EngineErrorMessages, EngineErrors, type EngineErrorCode } from './engine-errors.js';
import { type AttachOptions, type EngineOptions, type ResolvedEngineOptions, resolveEngineOptions } from './engine-options.js';
import { EngineRequest } from './engine-request.js';
import type { EngineResponse } from './engine-response.js';
import { EngineSocket } from './engine-socket.js';
import { randomSessionId } from './session-id.js';
import { PollingTransport } from './polling-transport.js';
import type { Transport } from './transport.js';
import { type EngineSocketData, WebSocketTransport } from './websocket-transport.js';

/** An Express-style middleware: `(req, res, next)`. */
export type EngineMiddleware = (req: EngineRequest, res: EngineResponse, next: (error?: unknown) => void) => void;

type VerifyCallback = (code?: EngineErrorCode, context?: Record<string, unknown>) => void;

const UPGRADES_FROM: Record<string, string[]> = { polling: ['websocket'], websocket: [] };
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
const DEFAULT_MAX_BACKPRESSURE = 16 * 1024 * 1024;

/** What `listen` resolves to. */
export interface EngineListening {
  port: number;
  app: TemplatedApp;
}

/** An engine.io v4 server on an `@uws/native` App, for `io.bind(engine)`: see the file's header. */
export class NativeEngine extends EventEmitter {
  readonly opts: ResolvedEngineOptions;
  /** Open sessions by id. */
  readonly clients: Record<string, EngineSocket> = Object.create(null) as Record<string, EngineSocket>;
  clientsCount = 0;
  private readonly middlewares: EngineMiddleware[] = [];
  private ownApp: { app: TemplatedApp; token: unknown } | undefined;
  private readonly apps = new Set<TemplatedApp>();

  constructor(options: EngineOptions = {}) {
    super();
    this.opts = resolveEngineOptions(options);
    if (options.generateId !== undefined) this.generateId = options.generateId;
    if (this.opts.cors !== false) this.use(cors(this.opts.cors as cors.CorsOptions));
  }

  /** Makes a session id (override or pass `generateId`; may return a promise). */
  generateId(_req: EngineRequest): string | PromiseLike<string> {
    return randomSessionId();
  }

  /** Adds a middleware run on every request (polling and upgrade) before it is verified. */
  use(middleware: EngineMiddleware): void {
    this.middlewares.push(middleware);
  }

  /**
   * Sends one message to every websocket of this engine subscribed to `topic`, framed once
   * (native topics of the App(s) it is attached to). What `UwsAdapter` fans broadcasts out with.
   */
  publish(topic: string, message: string | Uint8Array, isBinary: boolean, compress: boolean): void {
    for (const app of this.apps) app.publish(topic, message, isBinary, compress);
  }

  /** Whether websockets get compressed messages, and from which size (undefined: never). */
  get deflateThreshold(): number | undefined {
    const deflate = this.opts.perMessageDeflate;
    return deflate === false ? undefined : deflate.threshold;
  }

  /** Transports a session on `transport` may upgrade to. */
  upgrades(transport: string): string[] {
    return this.opts.allowUpgrades ? (UPGRADES_FROM[transport] ?? []) : [];
  }

  /**
   * Serves the engine on `app` at `options.path` (default '/engine.io/'; Socket.IO clients
   * use '/socket.io/'), beside the app's own routes and ws endpoints.
   */
  attach(app: TemplatedApp, options: AttachOptions = {}): this {
    const path = computePath(options);
    this.apps.add(app);
    // engine.io's `secure` (Socket.IO's `handshake.secure`) is the App's: TLS or not.
    const secure = app.secure;
    app.any(path, (res, req) => this.handleRequest(res, req, secure));
    if (this.opts.transports.includes('websocket')) {
      app.ws<EngineSocketData>(path, {
        compression: this.opts.perMessageDeflate === false ? DISABLED : SHARED_COMPRESSOR,
        maxPayloadLength: this.opts.maxHttpBufferSize,
        // engine.io's own heartbeat decides when a session is dead.
        idleTimeout: 0,
        sendPingsAutomatically: false,
        maxBackpressure: options.maxBackpressure ?? DEFAULT_MAX_BACKPRESSURE,
        // A publish (UwsAdapter) past the limit: end the session, never lose a message quietly.
        dropped: (ws) => ws.getUserData().transport?.onError('write error', 'backpressure limit reached'),
        upgrade: (res, req, context) => this.handleUpgrade(res, req, context, secure),
        open: (ws) => this.onWebSocketOpen(ws),
        message: (ws, message, isBinary) => ws.getUserData().transport?.onMessage(message, isBinary),
        close: (ws, code) => ws.getUserData().transport?.onSocketClose(code),
      });
    }
    return this;
  }

  /** Listens on its own App (`port` 0: a free one). Resolves with the port. */
  listen(port: number, options: AttachOptions & { host?: string } = {}): Promise<EngineListening> {
    const app = App();
    this.attach(app, options);
    return new Promise((resolve, reject) => {
      const done = (token: unknown): void => {
        if (!token) return reject(new Error(`engine could not listen on port ${port}`));
        this.ownApp = { app, token };
        resolve({ port: us_socket_local_port(token as Parameters<typeof us_socket_local_port>[0]), app });
      };
      if (options.host !== undefined) app.listen(options.host, port, done);
      else app.listen(port, done);
    });
  }

  /** Closes every session (without waiting for polling clients); an App from `listen` is closed too. */
  close(): this {
    for (const id of Object.keys(this.clients)) this.clients[id]?.close(true);
    if (this.ownApp !== undefined) {
      const { app, token } = this.ownApp;
      this.ownApp = undefined;
      us_listen_socket_close(token as Parameters<typeof us_listen_socket_close>[0]);
      // Sessions closing above send their last frames first.
      setImmediate(() => app.close());
    }
    return this;
  }

  // ---- requests ----------------------------------------------------------------------------

  private handleRequest(res: HttpResponse, req: HttpRequest, secure: boolean): void {
    const request = new EngineRequest(req, res, this.opts.maxHttpBufferSize, secure);
    const response = request.response!;
    const callback: VerifyCallback = (code, context) => {
      if (request.aborted) return;
      if (code !== undefined) {
        this.emitConnectionError(request, code, context);
        abortRequest(response, code, context);
        return;
      }
      const sid = request._query.sid;
      if (sid) this.clients[sid].transport.onRequest(request);
      else void this.handshake(request._query.transport, request, (c, ctx) => abortRequest(response, c, ctx));
    };
    this.applyMiddlewares(request, response, (error) => {
      if (request.aborted || response.writableEnded) return; // gone, or a middleware answered
      if (error !== undefined) callback(EngineErrors.BAD_REQUEST, { name: 'MIDDLEWARE_FAILURE' });
      else this.verify(request, false, callback);
    });
  }

  private handleUpgrade(res: HttpResponse, req: HttpRequest, context: unknown, secure: boolean): void {
    // The HttpRequest dies with this call: take what the upgrade needs now.
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    const request = new EngineRequest(req, res, 0, secure);
    const response = request.response!;
    const refuse = (code: EngineErrorCode, ctx?: Record<string, unknown>): void => abortUpgrade(res, request, code, ctx);
    const accept = (transport: Transport | undefined, headers: OutgoingHttpHeaders): void => {
      if (request.aborted) {
        transport?.onClose();
        return;
      }
      try {
        res.cork(() => {
          for (const [name, value] of Object.entries(headers)) {
            if (Array.isArray(value)) for (const v of value) res.writeHeader(name, String(v));
            else if (value !== undefined) res.writeHeader(name, String(value));
          }
          res.upgrade<EngineSocketData | { transport: undefined }>({ transport: transport as WebSocketTransport | undefined }, key, protocol, extensions, context);
        });
        request.upgraded();
      } catch (error) {
        transport?.onClose();
        if (!request.aborted) process.emitWarning(`engine upgrade failed: ${(error as Error).message}`);
      }
    };
    const verifiedAsync = async (code?: EngineErrorCode, ctx?: Record<string, unknown>): Promise<void> => {
      if (request.aborted) return;
      if (code !== undefined) {
        this.emitConnectionError(request, code, ctx);
        return refuse(code, ctx);
      }
      // Headers a middleware set (a session cookie...) go on the 101, after the headers events.
      const headers: OutgoingHttpHeaders = Object.fromEntries(response.takeUpgradeHeaders());
      const sid = request._query.sid;
      if (!sid) this.emit('initial_headers', headers, request);
      this.emit('headers', headers, request);
      if (sid) {
        const client = this.clients[sid];
        // A session that is gone, upgrading, upgraded or on websocket already gets this socket
        // closed at once (engine.io would wait its upgradeTimeout on the last one).
        if (client === undefined || client.upgrading || client.upgraded || client.readyState !== 'open' || !this.upgrades(client.transport.name).includes('websocket')) {
          return accept(undefined, headers);
        }
        const transport = this.createTransport('websocket', request) as WebSocketTransport;
        client.maybeUpgrade(transport);
        return accept(transport, headers);
      }
      const transport = await this.handshake('websocket', request, refuse);
      if (transport !== undefined) accept(transport, headers);
    };
    const verified: VerifyCallback = (code, ctx) => void verifiedAsync(code, ctx);
    this.applyMiddlewares(request, response, (error) => {
      if (request.aborted) return;
      if (response.writableEnded) return refuse(EngineErrors.BAD_REQUEST, { message: 'Bad request' }); // a middleware answered
      if (error !== undefined) verified(EngineErrors.BAD_REQUEST, { name: 'MIDDLEWARE_FAILURE' });
      else this.verify(request, true, verified);
    });
  }

  private onWebSocketOpen(ws: WebSocket<EngineSocketData>): void {
    const transport = ws.getUserData().transport;
    if (transport === undefined) ws.end(1000);
    else transport.attach(ws);
  }

  private applyMiddlewares(req: EngineRequest, res: EngineResponse, done: (error?: unknown) => void): void {
    let index = 0;
    const next = (error?: unknown): void => {
      if (error !== undefined && error !== null) return done(error);
      if (req.aborted || res.writableEnded) return done();
      const middleware = this.middlewares[index++];
      if (middleware === undefined) return done();
      let called = false;
      try {
        middleware(req, res, (err?: unknown) => {
          if (called) return;
          called = true;
          next(err ?? undefined);
        });
      } catch (thrown) {
        if (!called) {
          called = true;
          done(thrown);
        }
      }
    };
    next();
  }

  /** engine.io's checks, in its order: transport, Origin, session (or handshake method and allowRequest). */
  private verify(req: EngineRequest, upgrade: boolean, fn: VerifyCallback): void {
    const transport = req._query.transport;
    if (transport === undefined || !this.opts.transports.includes(transport)) return fn(EngineErrors.UNKNOWN_TRANSPORT, { transport });
    const origin = req.headers.origin;
    if (origin !== undefined && INVALID_HEADER_CHAR.test(origin)) {
      req.headers.origin = undefined;
      return fn(EngineErrors.BAD_REQUEST, { name: 'INVALID_ORIGIN', origin });
    }
    const sid = req._query.sid;
    if (sid) {
      const client = Object.prototype.hasOwnProperty.call(this.clients, sid) ? this.clients[sid] : undefined;
      if (client === undefined) return fn(EngineErrors.UNKNOWN_SID, { sid });
      const previousTransport = client.transport.name;
      if (!upgrade && previousTransport !== transport) {
        return fn(EngineErrors.BAD_REQUEST, { name: 'TRANSPORT_MISMATCH', transport, previousTransport });
      }
      const protocol = req._query.EIO === '4' ? 4 : 3;
      if (client.protocol !== protocol) return fn(EngineErrors.BAD_REQUEST, { name: 'PROTOCOL_MISMATCH', protocol, previousProtocol: client.protocol });
      return fn();
    }
    if (req.method !== 'GET') return fn(EngineErrors.BAD_HANDSHAKE_METHOD, { method: req.method });
    if (transport === 'websocket' && !upgrade) return fn(EngineErrors.BAD_REQUEST, { name: 'TRANSPORT_HANDSHAKE_ERROR' });
    const allowRequest = this.opts.allowRequest;
    if (allowRequest === undefined) return fn();
    let answered = false;
    try {
      allowRequest(req, (message, success) => {
        if (answered) return;
        answered = true;
        if (!success) fn(EngineErrors.FORBIDDEN, { message });
        else fn();
      });
    } catch (error) {
      if (!answered) {
        answered = true;
        fn(EngineErrors.FORBIDDEN, { message: (error as Error)?.message });
      }
    }
  }

  private async handshake(
    transportName: string,
    req: EngineRequest,
    closeConnection: (code: EngineErrorCode, context?: Record<string, unknown>) => void,
  ): Promise<Transport | undefined> {
    const protocol = req._query.EIO === '4' ? 4 : 3;
    if (protocol === 3 && !this.opts.allowEIO3) {
      this.emitConnectionError(req, EngineErrors.UNSUPPORTED_PROTOCOL_VERSION, { protocol });
      closeConnection(EngineErrors.UNSUPPORTED_PROTOCOL_VERSION);
      return undefined;
    }
    let id: string;
    try {
      id = await this.generateId(req);
    } catch (error) {
      this.emitConnectionError(req, EngineErrors.BAD_REQUEST, { name: 'ID_GENERATION_ERROR', error });
      closeConnection(EngineErrors.BAD_REQUEST);
      return undefined;
    }
    if (req.aborted) return undefined; // gone while the id was made
    if (typeof id !== 'string' || id === '' || Object.prototype.hasOwnProperty.call(this.clients, id)) {
      // A reused id would hand this client another client's session.
      this.emitConnectionError(req, EngineErrors.BAD_REQUEST, { name: 'ID_GENERATION_ERROR', error: new Error(`session id ${JSON.stringify(id)} is invalid or in use`) });
      closeConnection(EngineErrors.BAD_REQUEST);
      return undefined;
    }
    const transport = this.createTransport(transportName, req);
    const socket = new EngineSocket(id, this, transport, req, protocol);
    if (transport instanceof PollingTransport) transport.on('headers', onPollingHeaders);
    transport.onRequest(req);
    this.clients[id] = socket;
    this.clientsCount++;
    this.emit('connection', socket);
    return transport;
  }

  /** A session closed (called before its 'close' listeners, as engine.io's first listener). */
  forget(socket: EngineSocket): void {
    if (this.clients[socket.id] !== socket) return;
    delete this.clients[socket.id];
    this.clientsCount--;
  }

  /** The headers of a polling response of `session` (its first one gets the cookie). */
  onPollingHeaders(session: EngineSocket, headers: Record<string, unknown>, request: EngineRequest): void {
    if (!request._query.sid) {
      const cookie = this.opts.cookie;
      if (cookie !== false) headers['Set-Cookie'] = [serialize(cookie.name, session.id, cookie)];
      this.emit('initial_headers', headers, request);
    }
    this.emit('headers', headers, request);
  }

  private createTransport(name: string, req: EngineRequest): Transport {
    if (name === 'polling') {
      const { maxHttpBufferSize, httpCompression, httpRequestBodyTimeout, closeTimeout } = this.opts;
      return new PollingTransport(req, { maxHttpBufferSize, httpCompression, httpRequestBodyTimeout, closeTimeout });
    }
    const deflate = this.opts.perMessageDeflate;
    return new WebSocketTransport(req, deflate === false ? undefined : deflate.threshold);
  }

  private emitConnectionError(req: EngineRequest, code: EngineErrorCode, context?: Record<string, unknown>): void {
    this.emit('connection_error', { req, code, message: EngineErrorMessages[code], context });
  }
}

/** One listener for every polling transport: `this` is the transport, its session knows the engine. */
function onPollingHeaders(this: PollingTransport, headers: Record<string, unknown>, request: EngineRequest): void {
  const session = this.session;
  if (session !== undefined) (session.server as NativeEngine).onPollingHeaders(session, headers, request);
}

/** engine.io's path rule: no trailing slash, then one unless `addTrailingSlash: false`. */
function computePath(options: AttachOptions): string {
  const path = (options.path ?? '/engine.io').replace(/\/$/, '');
  return options.addTrailingSlash === false ? path : `${path}/`;
}

/** engine.io's HTTP error answer: 403 for FORBIDDEN, else 400, with `{ code, message }`. */
function abortRequest(res: EngineResponse, code: EngineErrorCode, context?: Record<string, unknown>): void {
  if (res.headersSent) {
    // A middleware already committed the response.
    res.end();
    return;
  }
  const message = typeof context?.message === 'string' ? context.message : EngineErrorMessages[code];
  res.writeHead(code === EngineErrors.FORBIDDEN ? 403 : 400, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ code, message }));
}

/** engine.io's refused upgrade: 400 with the message as text, then the connection closes. */
function abortUpgrade(res: HttpResponse, req: EngineRequest, code: EngineErrorCode, context?: Record<string, unknown>): void {
  if (req.aborted) return;
  const message = typeof context?.message === 'string' ? context.message : EngineErrorMessages[code];
  try {
    res.cork(() => res.writeStatus('400 Bad Request').writeHeader('Content-Type', 'text/html').end(message, true));
  } catch {
    // answered already
  }
}
