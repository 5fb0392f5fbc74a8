/**
 * `App()`: the uWebSockets.js-style server API. Routes (`ws`, `get`, `post`, `any`, ...) on one
 * transport, listening on any number of ports and Unix paths, with pub/sub across all of its
 * WebSockets.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type TransportChoice, createTransport } from '../transport/select-transport.js';
import { TimerWheel } from '../transport/timer-wheel.js';
import { type TlsOptions, resolveServerTls } from '../transport/tls-options.js';
import type { ListenHandle, ListenOptions, SocketId, TlsContext, Transport, TransportBatch, TransportHandler } from '../transport/transport.js';
import type { AppCore, HttpLimits, SocketEntry } from './app-core.js';
import { rethrowOnNextTick } from '../rethrow-on-next-tick.js';
import { FRESH_MESSAGE_VIEWS, type MessageViews } from '../transport/message-views.js';
import { HttpConnection } from './http-connection.js';
import type { HttpHandler } from './http-response.js';
import { ListenSocket } from './listen-socket.js';
import type { Publication } from './publication.js';
import { rebuildRequestHead } from './request-head.js';
import { type RecognizedString, toText } from './recognized-string.js';
import type { Lifetime } from './lifetime.js';
import type { Broker } from '../broker/broker.js';
import { BrokerLink } from './broker-link.js';
import { Router } from './router.js';
import { SocketTable } from '../transport/socket-table.js';
import { TopicRegistry } from './topic-registry.js';
import { type ResolvedBehavior, type WebSocketBehavior, resolveBehavior } from './websocket-behavior.js';
import { type AppWebSocket, type WsRoute, createWsRoute } from './websocket.js';
import { publishToTopic } from './topic-publish.js';

/** Options of {@link App}. */
export interface AppOptions {
  /** The transport to run on (see `createTransport`). Default: `'auto'`. */
  transport?: TransportChoice;
  /**
   * Seconds a connection may take to send a complete request head (and, with keep-alive, to
   * start the next one) before it is closed: the slow-loris guard. Default: 10.
   */
  handshakeTimeout?: number;
  /** Largest request head in bytes; larger is answered 431. Default: 8192. */
  maxHeaderBytes?: number;
  /** Most header lines in a request head; more is answered 431. Default: 100. */
  maxHeaderCount?: number;
  /**
   * Serve TLS (`wss://`, `https://`) on every port this app listens on. Default: none (plain
   * TCP). `SSLApp(options)` is the same as `App({ tls: options })`.
   */
  tls?: TlsOptions;
  /**
   * Carries this App's topics beyond its thread (same as calling `useBroker(broker)` right
   * away). Default: none — topics reach the sockets of this App only.
   */
  broker?: Broker;
  /**
   * MQTT-style wildcard subscriptions: `ws.subscribe('sport/+/score')` (`+`: one level) and
   * `ws.subscribe('sport/#')` (`#`: the rest, `sport` itself included), matched as MQTT 3.1.1
   * §4.7 says; a socket matched twice gets a message once. Published topic names then must not
   * hold `+` or `#` (a RangeError), nor may a filter put them inside a level. Off, `+` and `#` are
   * ordinary characters of exact topic names. Default: false.
   */
  wildcardTopics?: boolean;
}

/** Listen options of `listen(port, options, cb)`. */
export interface AppListenOptions {
  /** SO_REUSEPORT (epoll transport only; node:net fails the listen). Default: false. */
  reusePort?: boolean;
  /** With an IPv6 host, refuse IPv4-mapped connections. Default: false. */
  ipv6Only?: boolean;
  /** listen(2) backlog. Default: 511. */
  backlog?: number;
}

/** Receives the listen socket, or `false` when listening failed. */
export type ListenCallback = (listenSocket: ListenSocket | false) => void;

/** The App API. Every registration returns the app, for chaining. */
export interface TemplatedApp {
  /**
   * Whether this App serves TLS (made by `SSLApp`, or `App` with `tls`): what a framework on it
   * reports as a request's `secure` / `encrypted`. Not in uWebSockets.js.
   */
  readonly secure: boolean;
  /** Adds a WebSocket route. */
  ws<UserData = unknown>(pattern: RecognizedString, behavior: WebSocketBehavior<UserData>): TemplatedApp;
  get(pattern: RecognizedString, handler: HttpHandler): TemplatedApp;
  post(pattern: RecognizedString, handler: HttpHandler): TemplatedApp;
  put(pattern: RecognizedString, handler: HttpHandler): TemplatedApp;
  patch(pattern: RecognizedString, handler: HttpHandler): TemplatedApp;
  del(pattern: RecognizedString, handler: HttpHandler): TemplatedApp;
  options(pattern: RecognizedString, handler: HttpHandler): TemplatedApp;
  head(pattern: RecognizedString, handler: HttpHandler): TemplatedApp;
  /** A handler for every method. */
  any(pattern: RecognizedString, handler: HttpHandler): TemplatedApp;
  /**
   * Listens on `host` (default: every address, dual-stack) and `port` (0: a free one, read it
   * with `us_socket_local_port`). `cb` gets the listen socket or `false`; it runs synchronously
   * when the transport binds synchronously, else once the bind completed.
   */
  listen(host: RecognizedString, port: number, cb: ListenCallback): TemplatedApp;
  listen(port: number, cb: ListenCallback): TemplatedApp;
  /** `options` may also be uWS's numeric listen option (0 default, 1 exclusive port: both exclusive here). */
  listen(port: number, options: AppListenOptions | number, cb: ListenCallback): TemplatedApp;
  listen(host: RecognizedString, port: number, options: AppListenOptions | number, cb: ListenCallback): TemplatedApp;
  /** Listens on a Unix socket path. */
  listen_unix(cb: ListenCallback, path: RecognizedString): TemplatedApp;
  /**
   * TLS apps: serves `hostname` (exact, or `*.example.com`) with its own certificate, chosen by
   * the client's SNI. Replaces an earlier entry for the same name.
   * @throws {Error} on a plain app or bad options.
   */
  addServerName(hostname: string, options: TlsOptions): TemplatedApp;
  /** TLS apps: forgets `hostname`; its clients get the default certificate. */
  removeServerName(hostname: string): TemplatedApp;
  /**
   * TLS apps: `handler(hostname)` runs when a client asks for a name that was not added; the
   * handshake waits for it, so calling `addServerName` inside serves this very client.
   */
  missingServerName(handler: (hostname: string) => void): TemplatedApp;
  /**
   * TLS apps: replaces the default certificate, key & co. without a restart. Connections
   * already open keep theirs; new handshakes use the new one.
   * @throws {Error} when the new options are bad (the old ones stay in force).
   */
  reloadTls(options: TlsOptions): TemplatedApp;
  /** Sends to every subscriber of `topic`; true when at least one was sent to. */
  publish(topic: RecognizedString, message: RecognizedString, isBinary?: boolean, compress?: boolean): boolean;
  numSubscribers(topic: RecognizedString): number;
  /**
   * Carries this App's topics beyond its thread: the broker is told the topics that have local
   * subscribers and what is published here, and delivers what is published elsewhere to the
   * local subscribers (see `Broker`). Local delivery does not change; `publish` still answers
   * for local subscribers. The App owns the broker from then on: `close()` closes it.
   * @throws {Error} when this App already has a broker, or the broker serves another App.
   */
  useBroker(broker: Broker): TemplatedApp;
  /**
   * Takes over a connection that arrived on a foreign server, so an App shares a port with an
   * `http.Server` (Express, …): pass what its `'upgrade'` event gives. The request goes through
   * this App's routes and `upgrade` handler exactly like one it accepted itself; unmatched
   * paths get 404. On the epoll transport the fd moves onto the native loop (a TLS socket from
   * an `https.Server` stays on node:tls, whose session it carries); on node:net the socket is
   * used as is.
   * @throws {Error} when the transport cannot take this socket (no file descriptor).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Uint8Array): void;
  /**
   * Takes over a raw connection (e.g. from a `net.Server` 'connection' event) whose first
   * bytes, if any were read already, are `head`.
   */
  adoptSocket(socket: Socket, head?: Uint8Array): void;
  /**
   * Forced close, as uWebSockets.js's: stops listening, drops every connection at once (close
   * handlers run with 1006, pending HTTP responses are aborted, queued data is discarded) and
   * releases the transport. The app cannot be used afterwards. For a shutdown that loses no
   * queued data, use {@link shutdown} (or {@link closeOnSignal}).
   */
  close(): TemplatedApp;
  /**
   * Graceful close: stops accepting, sends every open WebSocket its queued data then a close
   * frame (`code`, default 1001; its close handler runs then, as with `end()`), closes HTTP
   * connections once their pending response is out, waits for the close handshakes up to
   * `timeout` seconds, then drops what is left and releases the listener and the loop, as
   * {@link close} does. Resolves when done; calling it again returns the same promise.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
  /**
   * One-line graceful shutdown on a signal: on the first of `signals` (default SIGTERM and
   * SIGINT), runs {@link shutdown} with `options`, then raises the signal again with this
   * handler removed, so the process ends as the signal would have ended it (unless other
   * listeners of that signal keep it). A second signal during the shutdown ends the process at
   * once. `app.close()` removes the handlers.
   */
  closeOnSignal(options?: CloseOnSignalOptions): TemplatedApp;
}

/** Options of `app.shutdown()`. */
export interface ShutdownOptions {
  /** Close code every open WebSocket gets. Default: 1001 (going away). */
  code?: number;
  /** Close reason (at most 123 bytes of UTF-8). Default: `'server shutting down'`. */
  reason?: string;
  /**
   * Seconds to wait for queued data to drain and the peers to answer the close frame; then the
   * rest is dropped. Default: 10 (well inside the 30 s a container orchestrator usually grants
   * between SIGTERM and SIGKILL).
   */
  timeout?: number;
}

/** Options of `app.closeOnSignal()`. */
export interface CloseOnSignalOptions extends ShutdownOptions {
  /** The signals that start the shutdown. Default: `['SIGTERM', 'SIGINT']`. */
  signals?: readonly NodeJS.Signals[];
  /** Runs after the shutdown, before the signal is raised again. Default: none. */
  onShutdown?: (signal: NodeJS.Signals) => void;
}

const DEFAULT_HANDSHAKE_TIMEOUT = 10;
const DEFAULT_SHUTDOWN_CODE = 1001;
const DEFAULT_SHUTDOWN_REASON = 'server shutting down';
const DEFAULT_SHUTDOWN_TIMEOUT = 10;
const DEFAULT_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
const DEFAULT_MAX_HEADER_BYTES = 8192;
const DEFAULT_MAX_HEADER_COUNT = 100;

/** Creates an app. See {@link AppOptions}. */
export function App(options: AppOptions = {}): TemplatedApp {
  return new AppImpl(options);
}

/**
 * Creates a TLS app (uWebSockets.js's `SSLApp`): `options` are the TLS options, plus any
 * {@link AppOptions}.
 * @throws {Error} with code `'ERR_UWS_TLS_OPTIONS'` on a missing or bad key/certificate.
 */
export function SSLApp(options: TlsOptions & Omit<AppOptions, 'tls'>): TemplatedApp {
  const { transport, maxHeaderBytes, maxHeaderCount, broker, wildcardTopics, ...tls } = options;
  // `handshakeTimeout` bounds both the TLS handshake and the request head that follows.
  return new AppImpl({ transport, handshakeTimeout: options.handshakeTimeout, maxHeaderBytes, maxHeaderCount, broker, wildcardTopics, tls });
}

export class AppImpl implements TemplatedApp, AppCore {
  readonly transport: Transport;
  readonly entries = new SocketTable<SocketEntry>();
  readonly topics: TopicRegistry<AppWebSocket>;
  readonly httpRoutes = new Router<HttpHandler>();
  readonly wsRoutes = new Router<ResolvedBehavior>();
  readonly limits: HttpLimits;
  readonly batch: TransportBatch | undefined;
  readonly messageViews: MessageViews;
  sparePublication: Publication | undefined = undefined;
  broker: BrokerLink | undefined = undefined;
  readonly lifetimes = new TimerWheel<Lifetime>((lifetime) => lifetime.owner.onLifetimeEnd());
  private readonly listenSockets = new Set<ListenSocket>();
  /** One per behavior this App upgraded with (its own routes', or a context handed over). */
  private readonly wsRoutesByBehavior = new Map<ResolvedBehavior, WsRoute>();
  private closed = false;
  private readonly tls: TlsContext | undefined;
  shuttingDown: { readonly code: number; readonly reason: string } | undefined = undefined;
  /** The running shutdown: its promise, and the sockets it still waits for. */
  private shutdownRun: { promise: Promise<void>; waiting: Set<SocketId>; finish: () => void } | undefined;
  /** Removes the handlers `closeOnSignal` installed. */
  private signalCleanup: (() => void) | undefined;

  get secure(): boolean {
    return this.tls !== undefined;
  }

  constructor(options: AppOptions = {}) {
    this.limits = {
      handshakeTimeout: positive(options.handshakeTimeout, DEFAULT_HANDSHAKE_TIMEOUT, 'handshakeTimeout'),
      maxHeaderBytes: positive(options.maxHeaderBytes, DEFAULT_MAX_HEADER_BYTES, 'maxHeaderBytes'),
      maxHeaderCount: positive(options.maxHeaderCount, DEFAULT_MAX_HEADER_COUNT, 'maxHeaderCount'),
    };
    this.topics = new TopicRegistry<AppWebSocket>(options.wildcardTopics === true);
    this.transport = createTransport(options.transport ?? 'auto');
    this.batch = this.transport.batch;
    this.messageViews = this.batch?.messageViews ?? FRESH_MESSAGE_VIEWS;
    if (options.tls !== undefined) {
      if (this.transport.createTlsContext === undefined) throw new Error(`the ${this.transport.kind} transport does not support TLS`);
      this.tls = this.transport.createTlsContext(resolveServerTls(options.tls));
    }
    this.transport.start(this.transportHandler());
    if (options.broker !== undefined) this.useBroker(options.broker);
  }

  useBroker(broker: Broker): this {
    if (this.closed) throw new Error('the app is closed');
    if (this.broker !== undefined) throw new Error('this app already has a broker');
    if (typeof broker?.attach !== 'function') throw new TypeError('useBroker needs a broker (attach, subscribe, unsubscribe, publish, close, fail)');
    const link = new BrokerLink(this, broker);
    broker.attach(link);
    this.broker = link;
    this.topics.watcher = link;
    return this;
  }

  addServerName(hostname: string, options: TlsOptions): this {
    this.tlsContext().addServerName(hostname, resolveServerTls(options));
    return this;
  }

  removeServerName(hostname: string): this {
    this.tlsContext().removeServerName(hostname);
    return this;
  }

  missingServerName(handler: (hostname: string) => void): this {
    if (typeof handler !== 'function') throw new TypeError('missingServerName needs a function');
    this.tlsContext().setMissingServerName((hostname) => {
      try {
        handler(hostname);
      } catch (error) {
        rethrowOnNextTick(error);
      }
    });
    return this;
  }

  reloadTls(options: TlsOptions): this {
    this.tlsContext().update(resolveServerTls(options));
    return this;
  }

  private tlsContext(): TlsContext {
    if (this.tls === undefined) throw new Error('this app does not serve TLS: create it with SSLApp(options) or App({ tls })');
    if (this.closed) throw new Error('the app is closed');
    return this.tls;
  }

  ws<UserData = unknown>(pattern: RecognizedString, behavior: WebSocketBehavior<UserData>): this {
    const path = toText(pattern);
    this.wsRoutes.add('get', path, resolveBehavior(path, behavior));
    return this;
  }

  get(pattern: RecognizedString, handler: HttpHandler): this {
    return this.route('get', pattern, handler);
  }
  post(pattern: RecognizedString, handler: HttpHandler): this {
    return this.route('post', pattern, handler);
  }
  put(pattern: RecognizedString, handler: HttpHandler): this {
    return this.route('put', pattern, handler);
  }
  patch(pattern: RecognizedString, handler: HttpHandler): this {
    return this.route('patch', pattern, handler);
  }
  del(pattern: RecognizedString, handler: HttpHandler): this {
    return this.route('delete', pattern, handler);
  }
  options(pattern: RecognizedString, handler: HttpHandler): this {
    return this.route('options', pattern, handler);
  }
  head(pattern: RecognizedString, handler: HttpHandler): this {
    return this.route('head', pattern, handler);
  }
  any(pattern: RecognizedString, handler: HttpHandler): this {
    return this.route('*', pattern, handler);
  }

  listen(...args: unknown[]): this {
    const cb = args[args.length - 1];
    if (typeof cb !== 'function') throw new TypeError('listen needs a callback as its last argument');
    let host: string | undefined;
    let rest = args.slice(0, -1);
    if (typeof rest[0] !== 'number') {
      host = toText(rest[0] as RecognizedString);
      rest = rest.slice(1);
    }
    const [port, options] = rest as [number, AppListenOptions | number | undefined];
    if (typeof port !== 'number') throw new TypeError('listen needs a port number');
    const object = typeof options === 'object' && options !== null ? options : {};
    this.listenWith(
      { host: host === '' ? undefined : host, port, reusePort: object.reusePort, ipv6Only: object.ipv6Only, backlog: object.backlog },
      cb as ListenCallback,
    );
    return this;
  }

  listen_unix(cb: ListenCallback, path: RecognizedString): this {
    this.listenWith({ path: toText(path) }, cb);
    return this;
  }

  wsRoute(behavior: ResolvedBehavior): WsRoute {
    let route = this.wsRoutesByBehavior.get(behavior);
    if (route === undefined) this.wsRoutesByBehavior.set(behavior, (route = createWsRoute(this, behavior)));
    return route;
  }

  publish(topic: RecognizedString, message: RecognizedString, isBinary = false, compress = false): boolean {
    return publishToTopic(this, toText(topic), message, isBinary, compress, undefined);
  }

  numSubscribers(topic: RecognizedString): number {
    return this.topics.count(toText(topic));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Uint8Array): void {
    const request = rebuildRequestHead(req);
    this.adoptSocket(socket as Socket, head.length > 0 ? Buffer.concat([request, head]) : request);
  }

  adoptSocket(socket: Socket, head: Uint8Array = new Uint8Array(0)): void {
    if (this.closed) throw new Error('the app is closed');
    this.transport.adopt(socket, head);
  }

  close(): this {
    if (this.closed) return this;
    this.closed = true;
    this.signalCleanup?.();
    for (const token of [...this.listenSockets]) token.close();
    const entries = this.entries.clear();
    for (const entry of entries) entry.forceClose();
    this.lifetimes.stop();
    this.transport.close();
    this.tls?.close();
    // Every socket unsubscribed above (and the broker with it): now the broker may go.
    this.topics.watcher = undefined;
    this.broker?.close();
    this.shutdownRun?.finish();
    return this;
  }

  shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (this.shutdownRun !== undefined) return this.shutdownRun.promise;
    if (this.closed) return Promise.resolve();
    const { code, reason, timeout } = shutdownSettings(options);
    let timer: NodeJS.Timeout | undefined;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    const waiting = new Set<SocketId>();
    const finish = (): void => {
      if (timer === undefined) return;
      clearTimeout(timer);
      timer = undefined;
      // What did not finish in time is dropped; the listener and the loop are released.
      this.close();
      resolve();
    };
    this.shutdownRun = { promise, waiting, finish };
    timer = setTimeout(finish, timeout * 1000);
    this.shuttingDown = { code, reason };
    for (const token of [...this.listenSockets]) token.close();
    for (const entry of this.entries.values()) {
      waiting.add(entry.id);
      entry.beginShutdown(code, reason);
    }
    if (waiting.size === 0) setImmediate(finish);
    return promise;
  }

  closeOnSignal(options: CloseOnSignalOptions = {}): this {
    if (this.closed) throw new Error('the app is closed');
    shutdownSettings(options); // bad options throw here, not in the signal handler
    this.signalCleanup?.();
    const signals = options.signals ?? DEFAULT_SIGNALS;
    const onSignal = (signal: NodeJS.Signals): void => {
      // Removed first: a second signal during the shutdown takes its default action.
      cleanup();
      this.shutdown(options).then(() => {
        try {
          options.onShutdown?.(signal);
        } catch (error) {
          rethrowOnNextTick(error);
        }
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      }, rethrowOnNextTick);
    };
    const cleanup = (): void => {
      for (const signal of signals) process.removeListener(signal, onSignal);
      if (this.signalCleanup === cleanup) this.signalCleanup = undefined;
    };
    for (const signal of signals) process.on(signal, onSignal);
    this.signalCleanup = cleanup;
    return this;
  }

  /**
   * Listens, reporting failures with their error (the public `listen` only reports `false`).
   * Resolves synchronously (returns the socket) when the transport binds synchronously.
   */
  startListening(options: ListenOptions): ListenSocket | Promise<ListenSocket> {
    if (this.closed) throw new Error('the app is closed');
    const result = this.transport.listen(this.tls === undefined ? options : { ...options, tls: this.tls });
    if (!isPromise(result)) return this.token(result);
    return result.then((handle) => {
      if (this.closed) {
        this.transport.closeListener(handle.id);
        throw new Error('the app was closed while listening');
      }
      return this.token(handle);
    });
  }

  private listenWith(options: ListenOptions, cb: ListenCallback): void {
    const report = (value: ListenSocket | false): void => {
      try {
        cb(value);
      } catch (error) {
        rethrowOnNextTick(error);
      }
    };
    let result;
    try {
      result = this.startListening(options);
    } catch {
      report(false);
      return;
    }
    if (isPromise(result)) result.then(report, () => report(false));
    else report(result);
  }

  private token(handle: ListenHandle): ListenSocket {
    const token: ListenSocket = new ListenSocket(handle.port, () => {
      this.listenSockets.delete(token);
      this.transport.closeListener(handle.id);
    });
    this.listenSockets.add(token);
    return token;
  }

  private route(method: string, pattern: RecognizedString, handler: HttpHandler): this {
    if (typeof handler !== 'function') throw new TypeError('a route handler must be a function');
    this.httpRoutes.add(method, toText(pattern), handler);
    return this;
  }

  /** The HttpConnection of a socket whose first bytes just arrived. */
  private firstBytes(id: SocketId): HttpConnection {
    const connection = new HttpConnection(this, id);
    this.entries.set(connection.id, connection);
    return connection;
  }

  private transportHandler(): TransportHandler {
    const entries = this.entries;
    return {
      // A connection gets its HttpConnection with its first bytes: until then (a burst of
      // accepts waiting for their requests) it holds nothing in JS, only the handshake timer.
      onOpen: (id) => {
        this.transport.setTimeout(id, this.limits.handshakeTimeout);
      },
      onData: (id, data) => {
        const entry = entries.get(id);
        if (entry !== undefined) entry.onData(data);
        else this.firstBytes(id).onData(data);
      },
      onReceive: (id, bytes, start, end) => {
        const entry = entries.get(id);
        if (entry === undefined) this.firstBytes(id).onData(bytes.subarray(start, end));
        else if (entry.onReceive !== undefined) entry.onReceive(bytes, start, end);
        else entry.onData(bytes.subarray(start, end));
      },
      onDrain: (id) => {
        entries.get(id)?.onDrain();
      },
      onTimeout: (id) => {
        const entry = entries.get(id);
        // No entry: nothing came before the handshake timeout (a slow-loris or idle peer).
        if (entry !== undefined) entry.onTimeout();
        else this.transport.destroy(id);
      },
      onClose: (id, errno) => {
        const entry = entries.delete(id);
        if (entry !== undefined) entry.onSocketClose(errno);
        const run = this.shutdownRun;
        // Finished outside the transport's callback: finishing closes the transport.
        if (run !== undefined && run.waiting.delete(id) && run.waiting.size === 0) setImmediate(run.finish);
      },
    };
  }
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}

/** The shutdown options with their defaults, checked. */
function shutdownSettings(options: ShutdownOptions): { code: number; reason: string; timeout: number } {
  const code = options.code ?? DEFAULT_SHUTDOWN_CODE;
  const reason = options.reason ?? DEFAULT_SHUTDOWN_REASON;
  const timeout = positive(options.timeout, DEFAULT_SHUTDOWN_TIMEOUT, 'timeout');
  if (!Number.isInteger(code) || code < 1000 || code > 4999) throw new RangeError(`shutdown code must be a close code, got ${String(code)}`);
  if (Buffer.byteLength(reason, 'utf8') > 123) throw new RangeError('shutdown reason longer than 123 bytes');
  return { code, reason, timeout };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`${name} must be a number > 0, got ${String(value)}`);
  return value;
}
