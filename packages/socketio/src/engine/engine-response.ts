/**
 * The response object of the engine and its middlewares: shaped like Node's `ServerResponse`
 * (`statusCode`, `setHeader`/`getHeader`, `writeHead`, `write`, `end`, `headersSent`, the
 * `finish`/`close` events, `_implicitHeader` for `on-headers` users such as express-session),
 * answering through the App's `HttpResponse` once, on `end`. Everything is buffered until
 * then, and once the client went away every call is a no-op: an aborted request can never
 * make a late write throw.
 */
import { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';
import type { HttpResponse } from '@uws/native';
import type { EngineRequest } from './engine-request.js';

/** What a released response points at: the App's response of an upgrade is gone, and any call on it is one. */
const RELEASED = new Proxy({} as HttpResponse, {
  get() {
    throw new Error('the request became a websocket: its HTTP response is gone');
  },
});

type HeaderValue = string | number | readonly string[];

function toList(value: HeaderValue): string[] {
  return typeof value === 'object' ? [...value] : [String(value)];
}

/** The `res` engine.io's middlewares and `allowRequest` see: node:http's response API over an App response. */
export class EngineResponse extends EventEmitter {
  statusCode = 200;
  statusMessage: string | undefined;
  /** Set once the head is committed (`writeHead`), as Node's `_header`. */
  _header: string | undefined;
  writableEnded = false;
  /** The client went away first. */
  aborted = false;
  readonly req: EngineRequest;

  /** The App's response; let go of once the request became a websocket (`release`). */
  private native: HttpResponse;
  private readonly headerMap = new Map<string, { name: string; value: HeaderValue }>();
  private readonly chunks: Buffer[] = [];

  constructor(native: HttpResponse, req: EngineRequest) {
    super();
    this.native = native;
    this.req = req;
  }

  get headersSent(): boolean {
    return this._header !== undefined;
  }

  get finished(): boolean {
    return this.writableEnded;
  }

  setHeader(name: string, value: HeaderValue): this {
    this.headerMap.set(name.toLowerCase(), { name, value });
    return this;
  }

  getHeader(name: string): HeaderValue | undefined {
    return this.headerMap.get(name.toLowerCase())?.value;
  }

  hasHeader(name: string): boolean {
    return this.headerMap.has(name.toLowerCase());
  }

  removeHeader(name: string): void {
    this.headerMap.delete(name.toLowerCase());
  }

  getHeaderNames(): string[] {
    return [...this.headerMap.keys()];
  }

  getHeaders(): Record<string, HeaderValue> {
    const out: Record<string, HeaderValue> = {};
    for (const [key, { value }] of this.headerMap) out[key] = value;
    return out;
  }

  /** Node's forms: `(status)`, `(status, headers)`, `(status, reason, headers)`; headers as an object or a flat/pair array. */
  writeHead(status: number, reasonOrHeaders?: string | Record<string, HeaderValue> | unknown[], headers?: Record<string, HeaderValue> | unknown[]): this {
    let fields = headers;
    if (typeof reasonOrHeaders === 'string') this.statusMessage = reasonOrHeaders;
    else if (reasonOrHeaders !== undefined) fields = reasonOrHeaders;
    this.statusCode = status;
    if (Array.isArray(fields)) {
      if (Array.isArray(fields[0])) for (const [k, v] of fields as Array<[string, HeaderValue]>) this.setHeader(k, v);
      else for (let i = 0; i + 1 < fields.length; i += 2) this.setHeader(String(fields[i]), fields[i + 1] as HeaderValue);
    } else if (fields !== undefined && fields !== null) {
      // As Node: keys of one object that differ only in case ('Set-Cookie', 'set-cookie') all go out.
      const seen = new Set<string>();
      for (const key of Object.keys(fields)) {
        const value = fields[key];
        if (value === undefined) continue;
        const lower = key.toLowerCase();
        const previous = seen.has(lower) ? this.headerMap.get(lower) : undefined;
        if (previous !== undefined) this.setHeader(previous.name, [...toList(previous.value), ...toList(value)]);
        else this.setHeader(key, value);
        seen.add(lower);
      }
    }
    this._header ??= `${status}`;
    return this;
  }

  /** Node commits the head with the current status when a body is written first. */
  _implicitHeader(): void {
    this.writeHead(this.statusCode);
  }

  write(chunk: string | Uint8Array, encoding?: BufferEncoding | (() => void), cb?: () => void): boolean {
    if (this.writableEnded) return false;
    if (this._header === undefined) this._implicitHeader();
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : Buffer.from(chunk));
    const done = typeof encoding === 'function' ? encoding : cb;
    if (done !== undefined) queueMicrotask(done);
    return true;
  }

  /** Sends the response (status, headers, buffered body); later calls do nothing. */
  end(chunk?: string | Uint8Array | (() => void), encoding?: BufferEncoding | (() => void), cb?: () => void): this {
    if (this.writableEnded) return this;
    let done = cb;
    if (typeof chunk === 'function') {
      done = chunk;
      chunk = undefined;
    } else if (typeof encoding === 'function') {
      done = encoding;
      encoding = undefined;
    }
    if (this._header === undefined) this._implicitHeader();
    if (chunk !== undefined && chunk !== null) {
      const enc = typeof encoding === 'string' ? encoding : 'utf8';
      this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, enc) : Buffer.from(chunk));
    }
    this.writableEnded = true;
    const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks.length = 0;
    if (!this.aborted) {
      const status = `${this.statusCode} ${this.statusMessage ?? STATUS_CODES[this.statusCode] ?? 'Unknown'}`;
      try {
        this.native.cork(() => {
          this.native.writeStatus(status);
          for (const { name, value } of this.headerMap.values()) {
            if (typeof value === 'object') for (const v of value) this.native.writeHeader(name, v);
            else this.native.writeHeader(name, String(value));
          }
          this.native.end(body);
        });
      } catch (error) {
        // A header a middleware set that HTTP cannot carry: answer 500 rather than hang.
        this.failWith(error);
      }
    }
    process.nextTick(() => {
      this.emit('finish');
      this.emit('close');
      done?.();
    });
    return this;
  }

  /** The headers to add to a 101 (the upgrade path never calls `end`). Commits the head so `on-headers` hooks run. */
  takeUpgradeHeaders(): Array<[string, string]> {
    if (this._header === undefined) this._implicitHeader();
    this.writableEnded = true;
    const out: Array<[string, string]> = [];
    for (const { name, value } of this.headerMap.values()) {
      if (typeof value === 'object') for (const v of value) out.push([name, v]);
      else out.push([name, String(value)]);
    }
    return out;
  }

  /**
   * The request became a websocket (the head went out with the 101): nothing more can be
   * written, and the App's response is let go of so an open session does not keep it.
   */
  release(): void {
    this.writableEnded = true;
    this.headerMap.clear();
    this.native = RELEASED;
  }

  /** Called by the request when the client went away. */
  markAborted(): void {
    if (this.aborted) return;
    this.aborted = true;
    if (!this.writableEnded) process.nextTick(() => this.emit('close'));
  }

  private failWith(error: unknown): void {
    process.emitWarning(`engine response not sent: ${(error as Error).message}`);
    try {
      this.native.writeStatus('500 Internal Server Error').end();
    } catch {
      // the response already went out or the client is gone
    }
  }
}
