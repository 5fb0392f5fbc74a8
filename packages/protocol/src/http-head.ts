/**
 * The HTTP/1.1 message head (RFC 9112 §2.1): start line and header fields up to the empty line.
 * The opening handshake is the only HTTP this codec speaks, so there is no body handling here:
 * whatever follows the head is WebSocket frames and is handed back untouched.
 *
 * Reading is incremental and bounded ({@link HttpHeadParser}); writing is limited to validated
 * header lines ({@link formatHeaderFields}) so that no caller-supplied text can inject a line.
 */
import { Buffer } from 'node:buffer';
import { HandshakeError } from './errors.js';

/** Options of {@link HttpHeadParser}. */
export interface HttpHeadParserOptions {
  /**
   * Largest head accepted, in bytes, counting the start line, every header line and the final
   * empty line with their CRLFs. Crossing it is a 431. Default 8192.
   */
  maxHeaderBytes?: number;
  /** Most header field lines accepted (repeats count each time). Crossing it is a 431. Default 100. */
  maxHeaderCount?: number;
}

/**
 * Header fields of a head. Names are matched case-insensitively; values keep their bytes
 * (decoded as Latin-1, one char per byte) with surrounding whitespace removed.
 */
export class HttpHeaders {
  /** Every field in received order, names spelled as received. */
  readonly raw: ReadonlyArray<readonly [name: string, value: string]>;
  readonly #byName = new Map<string, string[]>();

  /** @param fields name/value pairs in order; names are matched case-insensitively. */
  constructor(fields: Iterable<readonly [string, string]> = []) {
    const raw: Array<readonly [string, string]> = [];
    for (const [name, value] of fields) {
      raw.push([name, value]);
      const key = name.toLowerCase();
      const list = this.#byName.get(key);
      if (list === undefined) this.#byName.set(key, [value]);
      else list.push(value);
    }
    this.raw = raw;
  }

  /**
   * The field's value; repeated fields are joined with `", "` (RFC 9110 §5.3), which is right
   * for list-valued fields. `undefined` when absent.
   */
  get(name: string): string | undefined {
    return this.#byName.get(name.toLowerCase())?.join(', ');
  }

  /** Every value of the field in received order (empty when absent). */
  getAll(name: string): readonly string[] {
    return this.#byName.get(name.toLowerCase()) ?? [];
  }

  /** Whether the field appears at least once. */
  has(name: string): boolean {
    return this.#byName.has(name.toLowerCase());
  }

  /** Distinct field names, lower-cased, in order of first appearance. */
  names(): string[] {
    return [...this.#byName.keys()];
  }
}

/** A parsed request head: `METHOD SP request-target SP HTTP/x.y`, then fields. */
export interface HttpRequestHead {
  readonly kind: 'request';
  /** Method token, case preserved (methods are case-sensitive). */
  readonly method: string;
  /** The request-target exactly as sent (for a WebSocket this is the path and query). */
  readonly target: string;
  /** HTTP major version (1 in `HTTP/1.1`). */
  readonly versionMajor: number;
  /** HTTP minor version (1 in `HTTP/1.1`). */
  readonly versionMinor: number;
  /** Header fields. */
  readonly headers: HttpHeaders;
}

/** A parsed response head: `HTTP/x.y SP 3DIGIT SP reason`, then fields. */
export interface HttpResponseHead {
  readonly kind: 'response';
  /** HTTP major version (1 in `HTTP/1.1`). */
  readonly versionMajor: number;
  /** HTTP minor version (1 in `HTTP/1.1`). */
  readonly versionMinor: number;
  /** Status code, 100–599. */
  readonly status: number;
  /** Reason phrase (may be empty); informational only. */
  readonly reason: string;
  /** Header fields. */
  readonly headers: HttpHeaders;
}

/** Either kind of head. */
export type HttpHead = HttpRequestHead | HttpResponseHead;

/** Which start line a parser expects. */
export type HttpHeadKind = HttpHead['kind'];

/** The head type a parser of kind `K` yields. */
export type HttpHeadOf<K extends HttpHeadKind> = K extends 'request' ? HttpRequestHead : HttpResponseHead;

/** A complete head and where the bytes after it begin. */
export interface HttpHeadResult<H extends HttpHead = HttpHead> {
  readonly head: H;
  /** Index in the chunk given to the completing `push` at which the bytes after the head start. */
  readonly bodyOffset: number;
  /**
   * The bytes after the head in that chunk (`chunk.subarray(bodyOffset)`, a view, not a copy).
   * They are the first WebSocket frame bytes and must be fed to the frame parser.
   */
  readonly rest: Uint8Array;
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

const DEFAULT_MAX_HEADER_BYTES = 8192;
const DEFAULT_MAX_HEADER_COUNT = 100;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) HTTP\/([0-9])\.([0-9])$/;
// The reason phrase is optional and only informational (RFC 9112 §4), so "HTTP/1.1 101" with no
// trailing space is accepted as well.
const STATUS_LINE = /^HTTP\/([0-9])\.([0-9]) ([1-5][0-9]{2})(?: ([\t\x20-\x7e\x80-\xff]*))?$/;

/**
 * Incremental HTTP/1.1 head parser. Feed it chunks with {@link push} until it returns a result;
 * it never holds more than `maxHeaderBytes` and fails as soon as a limit is crossed.
 *
 * Line endings are strict: every line must end in CRLF. RFC 9112 §2.2 lets a recipient accept a
 * bare LF, but an intermediary that disagrees about where a line ends is how request smuggling
 * starts, and no WebSocket client sends bare LF; so a bare LF, a CR not followed by LF and a NUL
 * anywhere are all 400. Obsolete line folding and leading empty lines are rejected too.
 *
 * After a failure every further `push` rethrows the same error; after success `push` throws a
 * plain `Error` (it is a misuse: the rest bytes belong to the frame parser).
 */
export class HttpHeadParser<K extends HttpHeadKind = HttpHeadKind> {
  readonly #kind: K;
  readonly #maxBytes: number;
  readonly #maxCount: number;
  #line = new Uint8Array(128);
  #lineLength = 0;
  #sawCR = false;
  #consumed = 0;
  #startLine: string | undefined;
  #fields: Array<readonly [string, string]> = [];
  #done = false;
  #failure: HandshakeError | undefined;

  /**
   * @param kind `'request'` on a server, `'response'` on a client.
   * @param options limits; see {@link HttpHeadParserOptions} for defaults.
   */
  constructor(kind: K, options: HttpHeadParserOptions = {}) {
    if (kind !== 'request' && kind !== 'response') throw new TypeError(`Unknown head kind: ${String(kind)}`);
    this.#kind = kind;
    this.#maxBytes = positiveInteger(options.maxHeaderBytes, DEFAULT_MAX_HEADER_BYTES, 'maxHeaderBytes');
    this.#maxCount = positiveInteger(options.maxHeaderCount, DEFAULT_MAX_HEADER_COUNT, 'maxHeaderCount');
  }

  /** Bytes of head consumed so far. */
  get bytesRead(): number {
    return this.#consumed;
  }

  /**
   * Consumes a chunk. Returns `undefined` while the head is incomplete, or the head plus the
   * offset of the first byte after it.
   * @throws {HandshakeError} 400 `WS_ERR_HANDSHAKE_BAD_REQUEST` on malformed input, 431
   * `WS_ERR_HANDSHAKE_HEADERS_TOO_LARGE` when a limit is crossed.
   */
  push(chunk: Uint8Array): HttpHeadResult<HttpHeadOf<K>> | undefined {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#done) throw new Error('HttpHeadParser: the head is already complete');
    try {
      return this.#consume(chunk);
    } catch (error) {
      if (error instanceof HandshakeError) this.#failure = error;
      throw error;
    }
  }

  #consume(chunk: Uint8Array): HttpHeadResult<HttpHeadOf<K>> | undefined {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      // Counting before buffering is what keeps a flood from ever being held.
      if (++this.#consumed > this.#maxBytes) {
        throw new HandshakeError(
          'WS_ERR_HANDSHAKE_HEADERS_TOO_LARGE',
          431,
          `HTTP head exceeds ${this.#maxBytes} bytes`,
        );
      }
      if (this.#sawCR) {
        if (byte !== LF) throw badHead('CR not followed by LF');
        this.#sawCR = false;
        const head = this.#endLine();
        if (head !== undefined) {
          this.#done = true;
          return { head, bodyOffset: i + 1, rest: chunk.subarray(i + 1) };
        }
      } else if (byte === CR) {
        this.#sawCR = true;
      } else if (byte === LF) {
        throw badHead('line ends in a bare LF');
      } else if (byte === 0) {
        throw badHead('NUL byte in head');
      } else {
        this.#append(byte);
      }
    }
    return undefined;
  }

  #append(byte: number): void {
    if (this.#lineLength === this.#line.length) {
      // The byte limit bounds every line, so growth stops there.
      const grown = new Uint8Array(Math.min(this.#line.length * 2, this.#maxBytes));
      grown.set(this.#line);
      this.#line = grown;
    }
    this.#line[this.#lineLength++] = byte;
  }

  /** Handles one complete line; returns the head when it was the final empty line. */
  #endLine(): HttpHeadOf<K> | undefined {
    const length = this.#lineLength;
    this.#lineLength = 0;
    if (this.#startLine === undefined) {
      this.#startLine = latin1(this.#line, 0, length);
      // Validated now, so a bad start line fails before any header is read.
      this.#parseStartLine();
      return undefined;
    }
    if (length === 0) return this.#finish();
    if (this.#line[0] === SP || this.#line[0] === HT) throw badHead('obsolete line folding is not allowed');
    if (this.#fields.length >= this.#maxCount) {
      throw new HandshakeError(
        'WS_ERR_HANDSHAKE_HEADERS_TOO_LARGE',
        431,
        `HTTP head has more than ${this.#maxCount} header fields`,
      );
    }
    this.#fields.push(parseField(this.#line, length));
    return undefined;
  }

  #parseStartLine(): Omit<HttpRequestHead, 'headers'> | Omit<HttpResponseHead, 'headers'> {
    const line = this.#startLine ?? '';
    if (this.#kind === 'request') {
      const match = REQUEST_LINE.exec(line);
      if (match === null) throw badHead('malformed request line');
      return {
        kind: 'request',
        method: match[1],
        target: match[2],
        versionMajor: Number(match[3]),
        versionMinor: Number(match[4]),
      };
    }
    const match = STATUS_LINE.exec(line);
    if (match === null) throw badHead('malformed status line');
    return {
      kind: 'response',
      versionMajor: Number(match[1]),
      versionMinor: Number(match[2]),
      status: Number(match[3]),
      reason: match[4] ?? '',
    };
  }

  #finish(): HttpHeadOf<K> {
    const headers = new HttpHeaders(this.#fields);
    this.#fields = [];
    this.#line = new Uint8Array(0);
    return { ...this.#parseStartLine(), headers } as HttpHeadOf<K>;
  }
}

/** Parses `name: value` (RFC 9112 §5). */
function parseField(line: Uint8Array, length: number): readonly [string, string] {
  const colon = line.subarray(0, length).indexOf(COLON);
  if (colon <= 0) throw badHead('header line without a name and colon');
  const name = latin1(line, 0, colon);
  // Also rejects whitespace before the colon, which RFC 9112 §5.1 requires a server to reject.
  if (!TOKEN.test(name)) throw badHead(`invalid header name ${JSON.stringify(name)}`);
  let start = colon + 1;
  let end = length;
  while (start < end && (line[start] === SP || line[start] === HT)) start++;
  while (end > start && (line[end - 1] === SP || line[end - 1] === HT)) end--;
  for (let i = start; i < end; i++) {
    const byte = line[i];
    // field-vchar / SP / HT: no control characters other than HT, no DEL.
    if ((byte < 0x20 && byte !== HT) || byte === 0x7f) throw badHead(`control character in header ${name}`);
  }
  return [name, latin1(line, start, end)];
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

function badHead(message: string): HandshakeError {
  return new HandshakeError('WS_ERR_HANDSHAKE_BAD_REQUEST', 400, `Malformed HTTP head: ${message}`);
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

/** Whether `value` is an HTTP token (RFC 9110 §5.6.2): one or more tchar. */
export function isHttpToken(value: string): boolean {
  return TOKEN.test(value);
}

/**
 * Splits a comma-separated header list of tokens (RFC 9110 §5.6.1) into its elements with
 * surrounding whitespace removed; empty elements are dropped as that section asks. Not for
 * lists that may contain quoted strings.
 */
export function splitHeaderList(value: string): string[] {
  const elements: string[] = [];
  for (const part of value.split(',')) {
    const element = part.replace(/^[ \t]+|[ \t]+$/g, '');
    if (element !== '') elements.push(element);
  }
  return elements;
}

/** Whether a comma-separated header list contains `token`, compared case-insensitively. */
export function headerListHasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  const wanted = token.toLowerCase();
  return splitHeaderList(value).some((element) => element.toLowerCase() === wanted);
}

/**
 * Extra header fields supplied by a caller: `[name, value]` pairs, or complete `"Name: value"`
 * lines.
 */
export type ExtraHeaders = ReadonlyArray<readonly [string, string]> | readonly string[];

const FIELD_VALUE = /^[\t\x20-\x7e]*$/;

/**
 * Writes header fields as `Name: value\r\n` lines after checking each one, so no name or value
 * can end a line early (header injection) or smuggle control characters.
 * @param headers the fields to write (default none).
 * @param reserved lower-cased names the caller's function already writes; repeating one would
 * produce a contradictory head, so it is refused.
 * @throws {TypeError} on a name that is not a token, a value with CR, LF or another control
 * character or a non-ASCII character, or a reserved name.
 */
export function formatHeaderFields(headers: ExtraHeaders = [], reserved: ReadonlySet<string> = new Set()): string {
  let out = '';
  for (const entry of headers) {
    let name: string;
    let value: string;
    if (typeof entry === 'string') {
      const colon = entry.indexOf(':');
      if (colon < 0) throw new TypeError(`Header line without a colon: ${JSON.stringify(entry)}`);
      name = entry.slice(0, colon);
      value = entry.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    } else {
      [name, value] = entry;
    }
    if (typeof name !== 'string' || !TOKEN.test(name)) {
      throw new TypeError(`Invalid header name: ${JSON.stringify(name)}`);
    }
    if (typeof value !== 'string' || !FIELD_VALUE.test(value)) {
      throw new TypeError(`Invalid value for header ${name}: ${JSON.stringify(value)}`);
    }
    if (reserved.has(name.toLowerCase())) {
      throw new TypeError(`Header ${name} is set by the handshake and cannot be given as an extra header`);
    }
    out += `${name}: ${value.replace(/^[ \t]+|[ \t]+$/g, '')}\r\n`;
  }
  return out;
}
