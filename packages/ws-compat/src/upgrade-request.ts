/**
 * The `req` of an upgrade request read on our own transport (`port` mode): the
 * `http.IncomingMessage` that Node's HTTP server would give ws, with its costly parts made on
 * first read. A server keeps nothing of `req` and most 'connection' handlers read `req.url` at
 * most, so `headers`, `headersDistinct`, `rawHeaders` and `socket` are built from the parsed
 * head only when someone asks for them; until then the handshake reads single fields with
 * {@link requestHeader}.
 */
import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpHeaders } from '@uws/protocol';

/** Where an upgrade request's `socket` comes from when first read. */
export interface SocketSource {
  readonly userSocket: unknown;
}

type AddHeaderLine = (this: IncomingMessage, name: string, value: string, dest: Record<string, unknown>) => void;
const nodeProto = IncomingMessage.prototype as unknown as { _addHeaderLine?: AddHeaderLine; _addHeaderLineDistinct?: AddHeaderLine };

const kSocket = Symbol('ws-compat.socket');
const kSocketSource = Symbol('ws-compat.socketSource');
const kFields = Symbol('ws-compat.fields');
const kHeaders = Symbol('ws-compat.headers');
const kHeadersDistinct = Symbol('ws-compat.headersDistinct');

class UpgradeRequest extends IncomingMessage {
  declare [kSocket]: unknown;
  declare [kSocketSource]: SocketSource | undefined;
  /** The parsed header fields, for what is built on first read. */
  declare [kFields]: HttpHeaders | undefined;
  declare [kHeaders]: IncomingMessage['headers'] | undefined;
  declare [kHeadersDistinct]: IncomingMessage['headersDistinct'] | undefined;
}

/** True while IncomingMessage's constructor runs (its `rawHeaders = []` is not the request's). */
let constructing = false;

Object.defineProperties(UpgradeRequest.prototype, {
  // `req.constructor` is IncomingMessage, as on the request Node's HTTP server makes.
  constructor: { value: IncomingMessage, writable: true, configurable: true },
  socket: {
    get(this: UpgradeRequest) {
      const socket = this[kSocket];
      if (socket !== undefined && socket !== null) return socket;
      const source = this[kSocketSource];
      return source === undefined ? socket : (this[kSocket] = source.userSocket);
    },
    // IncomingMessage's constructor writes it (null here).
    set(this: UpgradeRequest, socket: unknown) {
      this[kSocket] = socket;
    },
    configurable: true,
    enumerable: true,
  },
  headers: {
    get(this: UpgradeRequest) {
      return (this[kHeaders] ??= buildHeaders(this, nodeProto._addHeaderLine) as IncomingMessage['headers']);
    },
    set(this: UpgradeRequest, headers: IncomingMessage['headers']) {
      this[kHeaders] = headers;
    },
    configurable: true,
  },
  headersDistinct: {
    get(this: UpgradeRequest) {
      return (this[kHeadersDistinct] ??= buildHeaders(this, nodeProto._addHeaderLineDistinct, true) as IncomingMessage['headersDistinct']);
    },
    set(this: UpgradeRequest, headers: IncomingMessage['headersDistinct']) {
      this[kHeadersDistinct] = headers;
    },
    configurable: true,
  },
  // An own, enumerable data property on an IncomingMessage: it becomes one when first read or
  // written, as if it had always been there.
  rawHeaders: {
    get(this: UpgradeRequest) {
      const raw: string[] = [];
      const fields = this[kFields];
      if (fields !== undefined) for (const [name, value] of fields.raw) raw.push(name, value);
      defineRawHeaders(this, raw);
      return raw;
    },
    set(this: UpgradeRequest, raw: string[]) {
      if (!constructing) defineRawHeaders(this, raw);
    },
    configurable: true,
  },
});

function defineRawHeaders(req: UpgradeRequest, raw: string[]): void {
  Object.defineProperty(req, 'rawHeaders', { value: raw, writable: true, enumerable: true, configurable: true });
}

/** `headers` (or `headersDistinct`) by Node's own rules for repeated fields. */
function buildHeaders(req: UpgradeRequest, add: AddHeaderLine | undefined, distinct = false): Record<string, unknown> {
  const dest: Record<string, unknown> = {};
  const fields = req[kFields];
  if (fields === undefined) return dest;
  for (const [name, value] of fields.raw) {
    if (add !== undefined) add.call(req, name, value, dest);
    else addHeaderLine(dest, name, value, distinct);
  }
  return dest;
}

/** Where Node has no `_addHeaderLine`: repeated fields joined with ", " (or listed, for `distinct`). */
function addHeaderLine(dest: Record<string, unknown>, name: string, value: string, distinct: boolean): void {
  const key = name.toLowerCase();
  const current = dest[key];
  if (distinct) dest[key] = current === undefined ? [value] : [...(current as string[]), value];
  else dest[key] = current === undefined ? value : `${current as string}, ${value}`;
}

const VERSION_1_1 = '1.1';

/** Builds the `req` of a request read on our own transport (`port` mode). */
export function makeRequest(method: string, url: string, versionMajor: number, versionMinor: number, fields: HttpHeaders, source: SocketSource): IncomingMessage {
  let req: UpgradeRequest;
  constructing = true;
  try {
    req = new UpgradeRequest(null as unknown as Socket);
  } finally {
    constructing = false;
  }
  req[kSocketSource] = source;
  req[kFields] = fields;
  req.method = method;
  req.url = url;
  req.httpVersionMajor = versionMajor;
  req.httpVersionMinor = versionMinor;
  req.httpVersion = versionMajor === 1 && versionMinor === 1 ? VERSION_1_1 : `${versionMajor}.${versionMinor}`;
  req.complete = true;
  // What Node's HTTP server sets on the request of an 'upgrade' event.
  (req as { upgrade?: boolean }).upgrade = true;
  return req;
}

/**
 * `req.headers[name]` for a lower-case `name` other than `set-cookie`, without building
 * `req.headers` when it is not built yet (the value follows Node's rules for repeated fields
 * all the same).
 */
export function requestHeader(req: IncomingMessage, name: string): string | undefined {
  if (!(req instanceof UpgradeRequest) || req[kHeaders] !== undefined) return req.headers[name] as string | undefined;
  const fields = req[kFields];
  if (fields === undefined) return undefined;
  const all = fields.getAll(name);
  if (all.length <= 1) return all[0];
  const dest: Record<string, unknown> = {};
  for (const value of all) {
    if (nodeProto._addHeaderLine !== undefined) nodeProto._addHeaderLine.call(req, name, value, dest);
    else addHeaderLine(dest, name, value, false);
  }
  return dest[name] as string | undefined;
}

/** Fills `headers` (Node's rules for repeated fields) and `rawHeaders` of a message we parsed. */
export function setHeaders(message: IncomingMessage, raw: ReadonlyArray<readonly [string, string]>): void {
  const rawHeaders: string[] = [];
  const headers: Record<string, string | string[]> = {};
  const add = nodeProto._addHeaderLine;
  for (const [name, value] of raw) {
    rawHeaders.push(name, value);
    if (add !== undefined) add.call(message, name, value, headers);
    else addHeaderLine(headers, name, value, false);
  }
  message.rawHeaders = rawHeaders;
  message.headers = headers;
}
