/**
 * The request of an HTTP handler or WebSocket upgrade, uWebSockets.js style: valid only
 * synchronously inside the handler (read what you need before the first await).
 */
import type { HttpRequestHead } from '@uws/protocol';
import { ClosedSocketError } from './closed-socket-error.js';
import { type RecognizedString, toText } from './recognized-string.js';

/** The request given to an HTTP handler or an `upgrade` handler; valid only synchronously inside it. */
export interface HttpRequest {
  /** A header's value by lower-case name ('' when absent; repeated headers joined with ', '). */
  getHeader(lowerCaseKey: RecognizedString): string;
  /** A route parameter (`/:name`) by index, or by name. '' when absent. */
  getParameter(index: number | string): string;
  /** The path, from the leading '/', without the query. */
  getUrl(): string;
  /** The method in lower case ('get'). */
  getMethod(): string;
  /** The method as sent ('GET'). */
  getCaseSensitiveMethod(): string;
  /** The raw query (after '?', '' when none), or with `key` that parameter decoded ('' when absent). */
  getQuery(): string;
  getQuery(key: string): string;
  /** Calls `cb` for every header (lower-case name, value). */
  forEach(cb: (key: string, value: string) => void): void;
  /** `true`: this handler declines the request; the next matching route gets it. */
  setYield(yield_: boolean): HttpRequest;
}

export class HttpRequestImpl implements HttpRequest {
  /** Set by `setYield`. */
  yielded = false;
  private valid = true;
  private readonly head: HttpRequestHead;
  private readonly path: string;
  private readonly query: string;
  private readonly params: readonly string[];
  private readonly paramNames: readonly string[];

  constructor(head: HttpRequestHead, path: string, query: string, params: readonly string[], paramNames: readonly string[]) {
    this.head = head;
    this.path = path;
    this.query = query;
    this.params = params;
    this.paramNames = paramNames;
  }

  /** Ends the request's validity (the handler returned). */
  invalidate(): void {
    this.valid = false;
  }

  getHeader(lowerCaseKey: RecognizedString): string {
    this.assertValid();
    return this.head.headers.get(toText(lowerCaseKey)) ?? '';
  }

  getParameter(index: number | string): string {
    this.assertValid();
    const i = typeof index === 'number' ? index : this.paramNames.indexOf(index);
    return this.params[i] ?? '';
  }

  getUrl(): string {
    this.assertValid();
    return this.path;
  }

  getMethod(): string {
    this.assertValid();
    return this.head.method.toLowerCase();
  }

  getCaseSensitiveMethod(): string {
    this.assertValid();
    return this.head.method;
  }

  getQuery(): string;
  getQuery(key: string): string;
  getQuery(key?: string): string {
    this.assertValid();
    if (key === undefined) return this.query;
    return new URLSearchParams(this.query).get(key) ?? '';
  }

  forEach(cb: (key: string, value: string) => void): void {
    this.assertValid();
    for (const [name, value] of this.head.headers.raw) cb(name.toLowerCase(), value);
  }

  setYield(yield_: boolean): this {
    this.assertValid();
    this.yielded = yield_;
    return this;
  }

  private assertValid(): void {
    if (!this.valid) {
      throw new ClosedSocketError('HttpRequest is only valid synchronously inside its handler: read it before the first await');
    }
  }
}
