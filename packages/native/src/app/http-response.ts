/**
 * The response of an HTTP handler or WebSocket upgrade, uWebSockets.js style. Minimal HTTP:
 * a status, headers and one body (`Content-Length` is computed), or an upgrade.
 */
import { formatHeaderFields } from '@uws/protocol';
import { ClosedSocketError } from './closed-socket-error.js';
import { rethrowOnNextTick } from '../rethrow-on-next-tick.js';
import type { HttpRequest } from './http-request.js';
import { addressBytes } from './ip-address.js';
import { type RecognizedString, textArrayBuffer, toBytes, toText } from './recognized-string.js';

/** An HTTP route handler. */
export type HttpHandler = (res: HttpResponse, req: HttpRequest) => void;

/**
 * Valid until `end`, `upgrade` or `close` succeeds, or until it is aborted (the peer went
 * away: `onAborted` handlers run). Using it afterwards throws a catchable error. A handler that
 * answers later (after an await) should register `onAborted` first.
 */
export interface HttpResponse {
  /** The status line's code and text, e.g. '200 OK' (default) or '401 Unauthorized'. */
  writeStatus(status: RecognizedString): HttpResponse;
  /** Adds a header. `Content-Length` is ignored: `end` computes it. */
  writeHeader(key: RecognizedString, value: RecognizedString): HttpResponse;
  /** Sends the response with `body` (default empty); `closeConnection` closes the socket after it. */
  end(body?: RecognizedString, closeConnection?: boolean): HttpResponse;
  /** Closes the connection at once without a response; onAborted handlers run. */
  close(): HttpResponse;
  /** Called when the connection goes away before the response was sent. */
  onAborted(handler: () => void): HttpResponse;
  /**
   * Receives the request body in chunks (`isLast` on the final one, also for an empty body).
   * Chunks are views valid only during the call.
   */
  onData(handler: (chunk: Uint8Array, isLast: boolean) => void): HttpResponse;
  /** Runs `cb` (writes are always batched until the current tick ends). */
  cork(cb: () => void): HttpResponse;
  /**
   * Accepts a WebSocket upgrade: `secWebSocketProtocol` is the client's offer (its first entry is
   * chosen), `secWebSocketExtensions` the client's offer (permessage-deflate is negotiated from
   * it per the route's `compression`), `context` the one the upgrade handler got. Headers
   * written before are added to the 101 response.
   */
  upgrade<UserData>(
    userData: UserData,
    secWebSocketKey: RecognizedString,
    secWebSocketProtocol: RecognizedString,
    secWebSocketExtensions: RecognizedString,
    context: unknown,
  ): void;
  /** Remote IP as 4 or 16 bytes. */
  getRemoteAddress(): ArrayBuffer;
  /** Remote IP as text, in an ArrayBuffer. */
  getRemoteAddressAsText(): ArrayBuffer;
}

/** What a response needs from its connection. */
export interface ResponseSink {
  /** Writes a complete response (head, then body) and closes the connection after it if `close`. */
  respond(res: HttpResponseImpl, head: string, body: Uint8Array, close: boolean): void;
  /** Accepts the upgrade. */
  upgrade(res: HttpResponseImpl, userData: unknown, key: string, protocol: string, extensions: string, context: unknown, headers: ReadonlyArray<readonly [string, string]>): void;
  /** Drops the connection. */
  destroy(res: HttpResponseImpl): void;
  remoteAddress(): string;
}

const STATUS_LINE = /^[1-5][0-9]{2}(?: [\t\x20-\x7e\x80-\xff]*)?$/;
const EMPTY = new Uint8Array(0);

export class HttpResponseImpl implements HttpResponse {
  /** The response was sent (or the request upgraded). */
  done = false;
  /** The connection went away first. */
  aborted = false;
  /** The request was HEAD: no body is written. */
  readonly headOnly: boolean;
  /** Set by `onData`. */
  dataHandler: ((chunk: Uint8Array, isLast: boolean) => void) | undefined;

  private readonly sink: ResponseSink;
  private readonly keepAlive: boolean;
  private status = '200 OK';
  private readonly headers: Array<readonly [string, string]> = [];
  private abortHandlers: Array<() => void> | undefined;

  constructor(sink: ResponseSink, keepAlive: boolean, headOnly: boolean) {
    this.sink = sink;
    this.keepAlive = keepAlive;
    this.headOnly = headOnly;
  }

  writeStatus(status: RecognizedString): this {
    this.assertUsable();
    const text = toText(status);
    if (!STATUS_LINE.test(text)) throw new TypeError(`invalid HTTP status ${JSON.stringify(text)}: expected e.g. '200 OK'`);
    this.status = text;
    return this;
  }

  writeHeader(key: RecognizedString, value: RecognizedString): this {
    this.assertUsable();
    const name = toText(key);
    const text = toText(value);
    formatHeaderFields([[name, text]]); // throws TypeError on header injection
    const lower = name.toLowerCase();
    if (lower !== 'content-length' && lower !== 'transfer-encoding') this.headers.push([name, text]);
    return this;
  }

  end(body?: RecognizedString, closeConnection = false): this {
    this.assertUsable();
    const bytes = body === undefined ? EMPTY : toBytes(body);
    const close = closeConnection || !this.keepAlive;
    let head = `HTTP/1.1 ${this.status}\r\n${formatHeaderFields(this.headers)}Content-Length: ${bytes.length}\r\n`;
    if (close) head += 'Connection: close\r\n';
    head += '\r\n';
    this.done = true;
    this.sink.respond(this, head, this.headOnly ? EMPTY : bytes, close);
    return this;
  }

  close(): this {
    this.assertUsable();
    this.sink.destroy(this);
    return this;
  }

  onAborted(handler: () => void): this {
    (this.abortHandlers ??= []).push(handler);
    return this;
  }

  onData(handler: (chunk: Uint8Array, isLast: boolean) => void): this {
    this.assertUsable();
    this.dataHandler = handler;
    return this;
  }

  cork(cb: () => void): this {
    cb();
    return this;
  }

  upgrade<UserData>(
    userData: UserData,
    secWebSocketKey: RecognizedString,
    secWebSocketProtocol: RecognizedString,
    secWebSocketExtensions: RecognizedString,
    context: unknown,
  ): void {
    this.assertUsable();
    this.sink.upgrade(
      this,
      userData,
      toText(secWebSocketKey),
      toText(secWebSocketProtocol ?? ''),
      toText(secWebSocketExtensions ?? ''),
      context,
      this.headers,
    );
  }

  getRemoteAddress(): ArrayBuffer {
    return addressBytes(this.sink.remoteAddress());
  }

  getRemoteAddressAsText(): ArrayBuffer {
    return textArrayBuffer(this.sink.remoteAddress());
  }

  /** The connection went away: runs the onAborted handlers once. */
  abort(): void {
    if (this.done || this.aborted) return;
    this.aborted = true;
    const handlers = this.abortHandlers;
    this.abortHandlers = undefined;
    if (handlers === undefined) return;
    for (const handler of handlers) {
      try {
        handler();
      } catch (error) {
        rethrowOnNextTick(error);
      }
    }
  }

  private assertUsable(): void {
    if (this.aborted) throw new ClosedSocketError('HttpResponse was aborted: the connection is gone');
    if (this.done) throw new ClosedSocketError('HttpResponse already ended (end, upgrade or close was called)');
  }
}
