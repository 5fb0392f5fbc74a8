/**
 * The request object the engine, its middlewares and Socket.IO see: a snapshot of the App's
 * `HttpRequest` (which is valid only synchronously) shaped like Node's `IncomingMessage` where
 * engine.io users read it (`method`, `url`, `headers`, `_query`, `connection.remoteAddress`),
 * plus the request body, buffered up to a bound. It emits `'close'` when the client goes away
 * before the answer.
 */
import { EventEmitter } from 'node:events';
import type { HttpRequest, HttpResponse } from '@uws/native';
import { EngineResponse } from './engine-response.js';

/** What a finished body read gives: the bytes, or why there are none. */
export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too large' | 'aborted' };

/** The `req` engine.io's middlewares, `allowRequest` and `'connection'` see: node:http's request fields over an App request. */
export class EngineRequest extends EventEmitter {
  /** Upper case, as Node gives it ('GET'). */
  readonly method: string;
  /** Path and query, as Node's `req.url`. */
  url: string;
  /** The original `url`, for Express-style middlewares. */
  originalUrl: string;
  readonly httpVersion = '1.1';
  /** Lower-case names; repeated headers joined (`cookie` with '; ', others with ', '). */
  readonly headers: Record<string, string | undefined>;
  /** The decoded query parameters (engine.io's name). */
  readonly _query: Record<string, string>;
  /** Node's `req.connection` / `req.socket` face: the peer's address. */
  readonly connection: { remoteAddress: string; encrypted: boolean };
  readonly socket: { remoteAddress: string; encrypted: boolean };
  /** The response of this request (middlewares get it as `res`). Unset by the polling transport once it holds it. */
  res: EngineResponse | null;
  /** The response, also after the polling transport took `res` away; null once the request became a websocket. */
  response: EngineResponse | null;
  /** The client went away before the response was sent. */
  aborted = false;
  /** Set by the polling transport while it holds this GET. */
  cleanup: (() => void) | undefined;

  /** The App's response; undefined once the request became a websocket. */
  private native: HttpResponse | undefined;
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private complete = false;
  private tooLarge = false;
  private bodyWaiter: ((result: BodyResult) => void) | undefined;

  /**
   * Reads everything it needs from `req` now. `bodyLimit` bounds the bytes kept of a body:
   * past it the body is dropped and reads report 'too large'.
   */
  constructor(req: HttpRequest, res: HttpResponse, bodyLimit: number, secure: boolean) {
    super();
    this.native = res;
    this.method = req.getCaseSensitiveMethod().toUpperCase();
    const query = req.getQuery();
    this.url = query === '' ? req.getUrl() : `${req.getUrl()}?${query}`;
    this.originalUrl = this.url;
    const headers: Record<string, string | undefined> = {};
    req.forEach((key, value) => {
      const previous = headers[key];
      headers[key] = previous === undefined ? value : `${previous}${key === 'cookie' ? '; ' : ', '}${value}`;
    });
    this.headers = headers;
    this._query = Object.fromEntries(new URLSearchParams(query));
    const remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString();
    this.connection = this.socket = { remoteAddress, encrypted: secure };
    const response = new EngineResponse(res, this);
    this.response = this.res = response;
    res.onAborted(() => this.onAborted());
    const declared = Number(headers['content-length'] ?? 0);
    if (declared > bodyLimit) this.tooLarge = true;
    // The body must be taken now (the App hands it out once); kept up to the bound.
    res.onData((chunk, isLast) => {
      this.received += chunk.length;
      if (this.received > bodyLimit) {
        this.tooLarge = true;
        this.chunks.length = 0;
      }
      if (!this.tooLarge && chunk.length > 0) this.chunks.push(Buffer.from(chunk));
      if (isLast) {
        this.complete = true;
        this.settleBody();
      } else if (this.tooLarge) this.settleBody();
    });
  }

  /** Calls `cb` once with the whole body (or why not): at once if it is already here. */
  readBody(cb: (result: BodyResult) => void): void {
    this.bodyWaiter = cb;
    this.settleBody();
  }

  /** Drops the connection without an answer (Node's `req.destroy()`); nothing if it is answered. */
  destroy(): void {
    const res = this.res;
    if (this.aborted || (res !== null && res.writableEnded)) return;
    try {
      this.native?.close();
    } catch {
      // already answered or gone: nothing left to drop
    }
  }

  /**
   * The request became a websocket: it stays the session's `request` (headers, query,
   * address), but what only an HTTP answer needs is let go of (the App's response and the
   * callbacks it holds, the response object).
   */
  upgraded(): void {
    this.native = undefined;
    this.response?.release();
    this.res = this.response = null;
    this.chunks.length = 0;
  }

  /** Node's `req.setEncoding`, accepted for middlewares; the body is always bytes here. */
  setEncoding(): this {
    return this;
  }

  private settleBody(): void {
    const waiter = this.bodyWaiter;
    if (waiter === undefined) return;
    let result: BodyResult;
    if (this.tooLarge) result = { ok: false, reason: 'too large' };
    else if (this.aborted) result = { ok: false, reason: 'aborted' };
    else if (this.complete) result = { ok: true, body: Buffer.concat(this.chunks, this.received) };
    else return;
    this.bodyWaiter = undefined;
    this.chunks.length = 0;
    waiter(result);
  }

  private onAborted(): void {
    this.aborted = true;
    this.response?.markAborted();
    this.settleBody();
    this.emit('close');
  }
}
