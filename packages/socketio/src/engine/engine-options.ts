/**
 * The options of the native engine, with engine.io 6's names and defaults, so an engine.io
 * `Server` configuration carries over unchanged.
 */
import type { CorsOptions, CorsOptionsDelegate } from 'cors';
import type { CookieSerializeOptions as SerializeOptions } from 'cookie';
import type { EngineRequest } from './engine-request.js';

/** `allowRequest`'s verdict: `callback(errorMessage, success)`. */
export type AllowRequest = (req: EngineRequest, callback: (message: string | null | undefined, success: boolean) => void) => void;

/** engine.io 6's server options, each with engine.io's default. */
export interface EngineOptions {
  /** ms without a pong (v4) or a ping (v3, plus `pingInterval`) before the session closes ("ping timeout"). Default: 20000. */
  pingTimeout?: number;
  /** ms between the server's pings (v4; v3 clients ping on their own). Default: 25000. */
  pingInterval?: number;
  /** ms an upgrade to websocket may take before it is cancelled. Default: 10000. */
  upgradeTimeout?: number;
  /** Largest message (websocket) or POST body (polling) in bytes; past it: 413 / close 1009. Default: 1e6. */
  maxHttpBufferSize?: number;
  /** Transports accepted, in order. Default: `['polling', 'websocket']`. */
  transports?: Array<'polling' | 'websocket'>;
  /** Whether polling sessions may upgrade to websocket. Default: true. */
  allowUpgrades?: boolean;
  /** Decides on each handshake; `callback(message, false)` answers 403 with `message`. Default: none (all allowed). */
  allowRequest?: AllowRequest;
  /**
   * gzip/deflate of polling responses per `Accept-Encoding` (zlib options plus `threshold`:
   * smaller responses are sent as is). `false` turns it off. Default: `{ threshold: 1024 }`.
   */
  httpCompression?: false | ({ threshold?: number } & import('node:zlib').ZlibOptions);
  /**
   * permessage-deflate on the websocket transport: `true` or `{ threshold }` (smaller messages
   * are not compressed), at the codec's default zlib level (1; engine.io's ws compresses at 6).
   * Default: false (as engine.io).
   */
  perMessageDeflate?: boolean | { threshold?: number };
  /** Accept engine.io protocol v3 clients (Socket.IO 2 clients). Default: false. */
  allowEIO3?: boolean;
  /** The `cors` package's options, applied as the first middleware (preflight included). Default: false (no CORS headers). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- engine.io's ServerOptions.cors has this type: its options pass through as they are
  cors?: false | CorsOptions | CorsOptionsDelegate<any>;
  /**
   * A cookie with the session id on the handshake response: `true` or the `cookie` package's
   * options plus `name`. Defaults when on: `{ name: 'io', path: '/', httpOnly: true, sameSite: 'lax' }`. Default: false.
   */
  cookie?: boolean | (SerializeOptions & { name?: string });
  /** A message (string or Buffer) sent right after the open packet. Default: none. */
  initialPacket?: unknown;
  /** ms a POST body may take to arrive before 408. Default: 30000. */
  httpRequestBodyTimeout?: number;
  /** Session ids: sync or async; a throw or rejection answers 400 (ID_GENERATION_ERROR). Default: 15 random bytes, base64url. */
  generateId?: (req: EngineRequest) => string | PromiseLike<string>;
  /** ms a polling transport waits for the pending GET before closing. Default: 30000. */
  closeTimeout?: number;
}

/** Where the engine is mounted (`attach(app, { path })`, `listen(port, { path })`). */
export interface AttachOptions {
  /** Default: '/engine.io' (Socket.IO's `io.bind` callers usually pass '/socket.io'). */
  path?: string;
  /** Serve `path` + '/' rather than `path` alone. Default: true. */
  addTrailingSlash?: boolean;
  /**
   * Bytes a websocket may hold queued for a client that does not read. Past it the session
   * ends with a transport error ("write error") rather than growing without bound or dropping
   * a message silently (with `connectionStateRecovery` the client can recover it). 0 = no limit
   * (engine.io's `ws` has none). Default: 16 MiB (16 * 1024 * 1024).
   */
  maxBackpressure?: number;
}

export interface ResolvedEngineOptions {
  pingTimeout: number;
  pingInterval: number;
  upgradeTimeout: number;
  maxHttpBufferSize: number;
  transports: string[];
  allowUpgrades: boolean;
  allowRequest: AllowRequest | undefined;
  httpCompression: false | ({ threshold: number } & import('node:zlib').ZlibOptions);
  perMessageDeflate: false | { threshold: number };
  allowEIO3: boolean;
  cors: EngineOptions['cors'];
  cookie: false | (SerializeOptions & { name: string });
  initialPacket: unknown;
  httpRequestBodyTimeout: number;
  closeTimeout: number;
}

/** Applies engine.io's defaults. */
export function resolveEngineOptions(opts: EngineOptions): ResolvedEngineOptions {
  const compression = opts.httpCompression ?? { threshold: 1024 };
  const deflate = opts.perMessageDeflate ?? false;
  const cookie = opts.cookie ?? false;
  return {
    pingTimeout: opts.pingTimeout ?? 20000,
    pingInterval: opts.pingInterval ?? 25000,
    upgradeTimeout: opts.upgradeTimeout ?? 10000,
    maxHttpBufferSize: opts.maxHttpBufferSize ?? 1e6,
    transports: [...(opts.transports ?? ['polling', 'websocket'])],
    allowUpgrades: opts.allowUpgrades ?? true,
    allowRequest: opts.allowRequest,
    httpCompression: compression === false ? false : { ...compression, threshold: compression.threshold ?? 1024 },
    perMessageDeflate: deflate === false ? false : { threshold: (deflate === true ? undefined : deflate.threshold) ?? 1024 },
    allowEIO3: opts.allowEIO3 ?? false,
    cors: opts.cors ?? false,
    cookie: cookie === false ? false : { name: 'io', path: '/', httpOnly: true, sameSite: 'lax', ...(cookie === true ? {} : cookie) },
    initialPacket: opts.initialPacket,
    httpRequestBodyTimeout: opts.httpRequestBodyTimeout ?? 30000,
    closeTimeout: opts.closeTimeout ?? 30000,
  };
}
