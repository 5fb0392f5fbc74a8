/**
 * The `wsEngine` face: `new Server(httpServer, { wsEngine: UwsEngine })`. engine.io 6.6 makes
 * it with `{ noServer, clientTracking, perMessageDeflate, maxPayload }`, listens to its
 * synchronous `'headers'` event (a mutable array of response lines and the request, before the
 * 101 is written), and calls `handleUpgrade(req, socket, head, cb)`. It is `@uws/ws-compat`'s
 * WebSocketServer: the accepted TCP socket leaves Node's `http` server for the native loop.
 */
import type { IncomingMessage } from 'node:http';
import { Sender, type ServerOptions, WebSocketServer } from '@uws/ws-compat';
import { UwsEngineSocket } from './uws-engine-socket.js';

/** What engine.io passes to its `wsEngine` (and what a user may add with {@link createUwsEngine}). */
export type UwsEngineOptions = ServerOptions & {
  /** engine.io passes it; this engine has no per-socket chunk queue to bound, so it is ignored. */
  maxBufferedChunks?: number;
};

/** Defaults fixed with {@link createUwsEngine}, applied under what engine.io passes. */
export type UwsEngineDefaults = Pick<ServerOptions, 'transport' | 'closeTimeout' | 'maxFragments' | 'skipUTF8Validation'>;

/** Socket.IO's `wsEngine` on the native loop: `new Server(httpServer, { wsEngine: UwsEngine })`. */
export class UwsEngine extends WebSocketServer {
  /**
   * ws's `Sender`, for code that frames a message once with `Sender.frame(data, options)` and
   * writes it with `ws._sender.sendFrame(list, cb)` (socket.io-adapter's pre-encoded broadcast).
   */
  static readonly Sender = Sender;

  /** @internal Set by {@link createUwsEngine} on a subclass. */
  static _defaults: UwsEngineDefaults = {};

  /** Options as engine.io gives them; `noServer` defaults to true. */
  constructor(options: UwsEngineOptions = {}, callback?: () => void) {
    const { maxBufferedChunks: _ignored, ...rest } = options;
    const defaults = (new.target)._defaults;
    const noServer = rest.port == null && rest.server == null ? true : rest.noServer;
    super({ ...defaults, ...rest, noServer, WebSocket: rest.WebSocket ?? UwsEngineSocket }, callback);
  }
}

/**
 * A `UwsEngine` class with defaults of its own (engine.io makes its `wsEngine` itself, so
 * options go on the class): `wsEngine: createUwsEngine({ transport: 'node' })`.
 * - `transport`: `'auto'` (default: the native epoll loop where the addon loads, else node:net),
 *   `'epoll'` or `'node'`.
 * - `closeTimeout`: ms to wait for the peer's close frame before dropping (default 30 000).
 * - `maxFragments`: most frames one received message may have (default 16 384).
 * - `skipUTF8Validation`: do not check received text (default false).
 */
export function createUwsEngine(defaults: UwsEngineDefaults): typeof UwsEngine {
  const fixed = { ...defaults };
  return class ConfiguredUwsEngine extends UwsEngine {
    static override _defaults: UwsEngineDefaults = fixed;
  };
}

export type { IncomingMessage };
