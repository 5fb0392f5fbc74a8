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

/** Makes headers from the flat name/value list the parser filled (set by the class's static block). */
let headersFromList: (fields: string[]) => HttpHeaders;

/**
 * Header fields of a head. Names are matched case-insensitively; values keep their bytes
 * (decoded as Latin-1, one char per byte) with surrounding whitespace removed.
 *
 * Stored as one flat list (name as received, value, name, value, ...) and searched linearly: a
 * head has a handful of fields, and a parse then makes no map, no tuple and no lower-cased copy
 * per field.
 */
export class HttpHeaders {
  #fields: string[];
  #raw: Array<readonly [string, string]> | undefined = undefined;

  /** @param fields name/value pairs in order; names are matched case-insensitively. */
  constructor(fields: Iterable<readonly [string, string]> = []) {
    const flat: string[] = [];
    for (const [name, value] of fields) flat.push(name, value);
    this.#fields = flat;
  }

  static {
    headersFromList = (fields) => {
      const headers = new HttpHeaders(NO_FIELDS);
      headers.#fields = fields;
      return headers;
    };
  }

  /** Every field in received order, names spelled as received. */
  get raw(): ReadonlyArray<readonly [name: string, value: string]> {
    if (this.#raw === undefined) {
      const fields = this.#fields;
      const raw: Array<readonly [string, string]> = [];
      for (let i = 0; i < fields.length; i += 2) raw.push([fields[i], fields[i + 1]]);
      this.#raw = raw;
    }
    return this.#raw;
  }

  /**
   * The field's value; repeated fields are joined with `", "` (RFC 9110 §5.3), which is right
   * for list-valued fields. `undefined` when absent.
   */
  get(name: string): string | undefined {
    const key = lowerCase(name);
    const fields = this.#fields;
    let value: string | undefined;
    for (let i = 0; i < fields.length; i += 2) {
      if (sameName(fields[i], key)) value = value === undefined ? fields[i + 1] : `${value}, ${fields[i + 1]}`;
    }
    return value;
  }

  /** Every value of the field in received order (empty when absent). */
  getAll(name: string): readonly string[] {
    const key = lowerCase(name);
    const fields = this.#fields;
    let all: string[] | undefined;
    for (let i = 0; i < fields.length; i += 2) {
      if (!sameName(fields[i], key)) continue;
      if (all === undefined) all = [fields[i + 1]];
      else all.push(fields[i + 1]);
    }
    return all ?? NO_VALUES;
  }

  /** Whether the field appears at least once. */
  has(name: string): boolean {
    const key = lowerCase(name);
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i += 2) if (sameName(fields[i], key)) return true;
    return false;
  }

  /** Distinct field names, lower-cased, in order of first appearance. */
  names(): string[] {
    const seen = new Set<string>();
    for (let i = 0; i < this.#fields.length; i += 2) seen.add(this.#fields[i].toLowerCase());
    return [...seen];
  }
}

const NO_FIELDS: ReadonlyArray<readonly [string, string]> = Object.freeze([]);
const NO_VALUES: readonly string[] = Object.freeze([]);

/** `name.toLowerCase()`, without a copy when `name` is lower-case ASCII already (the usual lookup). */
function lowerCase(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || c > 0x7f) return name.toLowerCase();
  }
  return name;
}

/**
 * Whether field name `name` (as received) equals `key` (lower-cased by `toLowerCase`). Field
 * names are tokens, ASCII only, so folding A-Z is their whole lower-casing.
 */
function sameName(name: string, key: string): boolean {
  if (name.length !== key.length) return false;
  if (name === key) return true;
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== key.charCodeAt(i)) return false;
  }
  return true;
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
/** tchar (RFC 9110 §5.6.2) by byte value: 1 for a token character. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;
// The reason phrase is optional and only informational (RFC 9112 §4), so "HTTP/1.1 101" with no
// trailing space is accepted as well.
const STATUS_LINE = /^HTTP\/([0-9])\.([0-9]) ([1-5][0-9]{2})(?: ([\t\x20-\x7e\x80-\xff]*))?$/;

type StartLine = Omit<HttpRequestHead, 'headers'> | Omit<HttpResponseHead, 'headers'>;

/**
 * Incremental HTTP/1.1 head parser. Feed it chunks with {@link push} until it returns a result;
 * it never holds more than `maxHeaderBytes` and fails as soon as a limit is crossed.
 *
 * Line endings are strict: every line must end in CRLF. RFC 9112 §2.2 lets a recipient accept a
 * bare LF, but an intermediary that disagrees about where a line ends is how request smuggling
 * starts, and no WebSocket client sends bare LF; so a bare LF, a CR not followed by LF and a NUL
 * anywhere are all 400. Obsolete line folding and leading empty lines are rejected too.
 *
 * Lines are read in place from the chunk given to `push`; only a line cut by the end of a chunk
 * is copied (into a buffer made then), so a head that arrives whole costs its strings and little
 * else.
 *
 * After a failure every further `push` rethrows the same error; after success `push` throws a
 * plain `Error` (it is a misuse: the rest bytes belong to the frame parser).
 */
export class HttpHeadParser<K extends HttpHeadKind = HttpHeadKind> {
  readonly #kind: K;
  readonly #maxBytes: number;
  readonly #maxCount: number;
  /** The start of a line cut by a chunk's end; made for the first such line. */
  #line: Uint8Array | undefined = undefined;
  #lineLength = 0;
  #sawCR = false;
  #consumed = 0;
  #start: StartLine | undefined = undefined;
  /** Name, value, name, value, ... */
  #fields: string[] = [];
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
    /** Where the current line's bytes in this chunk begin. */
    let lineStart = 0;
    // The byte limit caps how far this chunk is read, so a flood is never held and no byte is
    // counted one by one. `i` is the next byte to read.
    const room = this.#maxBytes - this.#consumed;
    const end = chunk.length <= room ? chunk.length : room;
    const base = this.#consumed;
    let i = 0;
    if (this.#sawCR && end > 0) {
      // The CR ended the previous chunk.
      this.#sawCR = false;
      i = 1;
      this.#consumed = base + i;
      if (chunk[0] !== LF) throw badHead('CR not followed by LF');
      const head = this.#endLine(chunk, 0, 0);
      if (head !== undefined) return this.#complete(head, i, chunk);
      lineStart = i;
    }
    while (i < end) {
      const byte = chunk[i++];
      // CR, LF and NUL are all <= CR: one compare per ordinary byte.
      if (byte > CR) continue;
      this.#consumed = base + i;
      if (byte === CR) {
        if (i === end) {
          this.#sawCR = true;
          break;
        }
        this.#consumed = base + ++i;
        if (chunk[i - 1] !== LF) throw badHead('CR not followed by LF');
        const head = this.#endLine(chunk, lineStart, i - 2);
        if (head !== undefined) return this.#complete(head, i, chunk);
        lineStart = i;
      } else if (byte === LF) {
        throw badHead('line ends in a bare LF');
      } else if (byte === 0) {
        throw badHead('NUL byte in head');
      }
    }
    this.#consumed = base + end;
    if (end < chunk.length) {
      this.#consumed++;
      throw new HandshakeError('WS_ERR_HANDSHAKE_HEADERS_TOO_LARGE', 431, `HTTP head exceeds ${this.#maxBytes} bytes`);
    }
    // The line goes on in the next chunk: keep its bytes (without a trailing CR).
    this.#carry(chunk, lineStart, this.#sawCR ? end - 1 : end);
    return undefined;
  }

  #complete(head: HttpHeadOf<K>, read: number, chunk: Uint8Array): HttpHeadResult<HttpHeadOf<K>> {
    this.#done = true;
    return new HeadResult(head, read, chunk);
  }

  #carry(chunk: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (length <= 0) return;
    const needed = this.#lineLength + length;
    let line = this.#line;
    if (line === undefined || line.length < needed) {
      // The byte limit bounds every line, so growth stops there.
      const grown = new Uint8Array(Math.min(Math.max(needed, 2 * (line?.length ?? 64)), this.#maxBytes));
      if (line !== undefined) grown.set(line.subarray(0, this.#lineLength));
      this.#line = line = grown;
    }
    line.set(chunk.subarray(start, end), this.#lineLength);
    this.#lineLength = needed;
  }

  /** Handles one complete line, `bytes[start, end)` after what was carried; returns the head when it was the final empty line. */
  #endLine(chunk: Uint8Array, start: number, end: number): HttpHeadOf<K> | undefined {
    let bytes = chunk;
    if (this.#lineLength > 0) {
      this.#carry(chunk, start, end);
      bytes = this.#line!;
      start = 0;
      end = this.#lineLength;
      this.#lineLength = 0;
    }
    if (this.#start === undefined) {
      // Validated now, so a bad start line fails before any header is read.
      this.#start = this.#kind === 'request' ? parseRequestLine(bytes, start, end) : this.#parseStatusLine(latin1(bytes, start, end));
      return undefined;
    }
    if (end === start) return this.#finish();
    if (bytes[start] === SP || bytes[start] === HT) throw badHead('obsolete line folding is not allowed');
    if (this.#fields.length >= 2 * this.#maxCount) {
      throw new HandshakeError(
        'WS_ERR_HANDSHAKE_HEADERS_TOO_LARGE',
        431,
        `HTTP head has more than ${this.#maxCount} header fields`,
      );
    }
    this.#parseField(bytes, start, end);
    return undefined;
  }

  /** The status line of a response (requests: {@link parseRequestLine}). */
  #parseStatusLine(line: string): StartLine {
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

  /** Parses `name: value` (RFC 9112 §5) from `bytes[start, end)`. */
  #parseField(bytes: Uint8Array, start: number, end: number): void {
    let colon = start;
    while (colon < end && bytes[colon] !== COLON) colon++;
    if (colon === end || colon === start) throw badHead('header line without a name and colon');
    // Also rejects whitespace before the colon, which RFC 9112 §5.1 requires a server to reject.
    for (let i = start; i < colon; i++) {
      if (TCHAR[bytes[i]] === 0) throw badHead(`invalid header name ${JSON.stringify(latin1(bytes, start, colon))}`);
    }
    let from = colon + 1;
    let to = end;
    while (from < to && (bytes[from] === SP || bytes[from] === HT)) from++;
    while (to > from && (bytes[to - 1] === SP || bytes[to - 1] === HT)) to--;
    for (let i = from; i < to; i++) {
      const byte = bytes[i];
      // field-vchar / SP / HT: no control characters other than HT, no DEL.
      if ((byte < 0x20 && byte !== HT) || byte === 0x7f) throw badHead(`control character in header ${latin1(bytes, start, colon)}`);
    }
    this.#fields.push(latin1(bytes, start, colon), latin1(bytes, from, to));
  }

  #finish(): HttpHeadOf<K> {
    const headers = headersFromList(this.#fields);
    this.#fields = [];
    this.#line = undefined;
    // Named properties, not `{ ...start, headers }`: on V8 11 the spread's results are kept
    // through young collections (measured: ~150–300 B per handshake held by a server).
    const start = this.#start!;
    const head: HttpRequestHead | HttpResponseHead =
      start.kind === 'request'
        ? { kind: 'request', method: start.method, target: start.target, versionMajor: start.versionMajor, versionMinor: start.versionMinor, headers }
        : { kind: 'response', versionMajor: start.versionMajor, versionMinor: start.versionMinor, status: start.status, reason: start.reason, headers };
    return head as HttpHeadOf<K>;
  }
}

/**
 * `method SP request-target SP HTTP/d.d` read from the bytes: the method a token, the target
 * visible ASCII (what the request-line pattern accepts, without its match array and substrings).
 */
function parseRequestLine(bytes: Uint8Array, start: number, end: number): StartLine {
  let space = start;
  while (space < end && TCHAR[bytes[space]] === 1) space++;
  const targetStart = space + 1;
  let targetEnd = targetStart;
  while (targetEnd < end && bytes[targetEnd] >= 0x21 && bytes[targetEnd] <= 0x7e) targetEnd++;
  const v = targetEnd + 1; // "HTTP/d.d"
  if (
    space === start ||
    bytes[space] !== SP ||
    targetEnd === targetStart ||
    bytes[targetEnd] !== SP ||
    end - v !== 8 ||
    bytes[v] !== 0x48 || bytes[v + 1] !== 0x54 || bytes[v + 2] !== 0x54 || bytes[v + 3] !== 0x50 || bytes[v + 4] !== 0x2f ||
    !isDigit(bytes[v + 5]) || bytes[v + 6] !== 0x2e || !isDigit(bytes[v + 7])
  ) {
    throw badHead('malformed request line');
  }
  return {
    kind: 'request',
    method: latin1(bytes, start, space),
    target: latin1(bytes, targetStart, targetEnd),
    versionMajor: bytes[v + 5] - 0x30,
    versionMinor: bytes[v + 7] - 0x30,
  };
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

/** A parsed head; `rest` is made when asked for (a server that reads `bodyOffset` makes no view). */
class HeadResult<H extends HttpHead> implements HttpHeadResult<H> {
  readonly head: H;
  readonly bodyOffset: number;
  readonly #chunk: Uint8Array;

  constructor(head: H, bodyOffset: number, chunk: Uint8Array) {
    this.head = head;
    this.bodyOffset = bodyOffset;
    this.#chunk = chunk;
  }

  get rest(): Uint8Array {
    return this.#chunk.subarray(this.bodyOffset);
  }
}

/** Latin-1 text of `bytes[start, end)`, read straight from the bytes (no view object). */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  return (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice.call(bytes, start, end);
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
  const wanted = lowerCase(token);
  if (wanted === '') return false; // empty elements are dropped, so none can match
  // Scanned in place: no split list, no trimmed or lower-cased copies.
  for (let from = 0; from <= value.length; ) {
    let end = value.indexOf(',', from);
    if (end < 0) end = value.length;
    let start = from;
    let stop = end;
    while (start < stop && isListSpace(value.charCodeAt(start))) start++;
    while (stop > start && isListSpace(value.charCodeAt(stop - 1))) stop--;
    if (stop - start === wanted.length && elementEquals(value, start, wanted)) return true;
    from = end + 1;
  }
  return false;
}

function isListSpace(c: number): boolean {
  return c === SP || c === HT;
}

/** `value.slice(start, start + wanted.length).toLowerCase() === wanted`, without the copies for ASCII. */
function elementEquals(value: string, start: number, wanted: string): boolean {
  for (let i = 0; i < wanted.length; i++) {
    let c = value.charCodeAt(start + i);
    if (c > 0x7f) return value.slice(start, start + wanted.length).toLowerCase() === wanted;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== wanted.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Extra header fields supplied by a caller: `[name, value]` pairs, or complete `"Name: value"`
 * lines.
 */
export type ExtraHeaders = ReadonlyArray<readonly [string, string]> | readonly string[];

const FIELD_VALUE = /^[\t\x20-\x7e]*$/;
const FIELD_VALUE_OBS_TEXT = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Options of {@link formatHeaderFields}. */
export interface FormatHeaderFieldsOptions {
  /**
   * Also accept obs-text in values (characters 0x80-0xff, RFC 9110 §5.5), for a head the caller
   * encodes as Latin-1 (one byte per character). Default false: visible ASCII, space and tab only.
   */
  obsText?: boolean;
}

/**
 * Checks header fields, so no name or value can end a line early (header injection) or smuggle
 * control characters, and gives them as `[name, value]` pairs (values trimmed).
 * @param headers the fields (default none).
 * @param reserved lower-cased names the caller's function already writes; repeating one would
 * produce a contradictory head, so it is refused.
 * @param options see {@link FormatHeaderFieldsOptions}.
 * @throws {TypeError} on a name that is not a token, a value with CR, LF or another control
 * character or a non-ASCII character (but obs-text when allowed), or a reserved name.
 */
export function checkHeaderFields(
  headers: ExtraHeaders = [],
  reserved: ReadonlySet<string> = new Set(),
  options: FormatHeaderFieldsOptions = {},
): Array<[string, string]> {
  const valid = options.obsText === true ? FIELD_VALUE_OBS_TEXT : FIELD_VALUE;
  const out: Array<[string, string]> = [];
  for (const entry of headers) {
    let name: string;
    let value: string;
    if (typeof entry === 'string') {
      const colon = entry.indexOf(':');
      if (colon < 0) throw new TypeError(`Header line without a colon: ${JSON.stringify(entry)}`);
      name = entry.slice(0, colon);
      value = entry.slice(colon + 1);
    } else {
      [name, value] = entry;
    }
    if (typeof name !== 'string' || !TOKEN.test(name)) {
      throw new TypeError(`Invalid header name: ${JSON.stringify(name)}`);
    }
    if (typeof value !== 'string' || !valid.test(value)) {
      throw new TypeError(`Invalid value for header ${name}: ${JSON.stringify(value)}`);
    }
    if (reserved.has(name.toLowerCase())) {
      throw new TypeError(`Header ${name} is set by the handshake and cannot be given as an extra header`);
    }
    out.push([name, value.replace(/^[ \t]+|[ \t]+$/g, '')]);
  }
  return out;
}

/**
 * Writes header fields as `Name: value\r\n` lines after checking each one (see
 * {@link checkHeaderFields}, which says what is refused).
 * @throws {TypeError} as {@link checkHeaderFields}.
 */
export function formatHeaderFields(
  headers: ExtraHeaders = [],
  reserved: ReadonlySet<string> = new Set(),
  options: FormatHeaderFieldsOptions = {},
): string {
  let out = '';
  for (const [name, value] of checkHeaderFields(headers, reserved, options)) out += `${name}: ${value}\r\n`;
  return out;
}
