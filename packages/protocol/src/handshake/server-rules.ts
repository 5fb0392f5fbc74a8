/**
 * Server side of the opening handshake (RFC 6455 §4.2): validating the client's upgrade
 * request and writing the 101 answer or an HTTP rejection. Bytes in and out are the caller's.
 */
import { Buffer } from 'node:buffer';
import * as crypto from 'node:crypto';
import type { DeflateParams } from '../deflate/params.js';
import { HandshakeError } from '../errors.js';
import { parseExtensions } from '../extensions-header.js';
import {
  type ExtraHeaders,
  type HttpHeaders,
  type HttpRequestHead,
  formatHeaderFields,
  headerListHasToken,
  isHttpToken,
  splitHeaderList,
} from '../http-head.js';
import { type PerMessageDeflateOptions, negotiateDeflateServer } from '../deflate/negotiation.js';

/** Options of {@link validateUpgradeRequest}. */
export interface ServerHandshakeOptions {
  /**
   * permessage-deflate settings; `true` means `{}` (all defaults), `false` declines
   * compression and ignores `Sec-WebSocket-Extensions` entirely. Default false.
   */
  perMessageDeflate?: PerMessageDeflateOptions | boolean;
  /**
   * Picks one of the subprotocols the client offered (in its order), or undefined for none.
   * Returning a protocol that was not offered throws a TypeError. Default: none is chosen.
   */
  selectProtocol?: (offered: readonly string[], head: HttpRequestHead) => string | undefined;
  /**
   * Decides whether the request's `Origin` (undefined when absent, e.g. a non-browser client)
   * is allowed; false rejects with 403. Default: every origin is allowed.
   */
  verifyOrigin?: (origin: string | undefined, head: HttpRequestHead) => boolean;
}

/** A valid upgrade request, with what the server decided about it. */
export interface ValidatedUpgradeRequest {
  /** `Sec-WebSocket-Key`, needed for the accept value. */
  readonly key: string;
  /** The request-target as sent (path and query). */
  readonly path: string;
  /** `Host` value. */
  readonly host: string;
  /** `Origin` value, undefined when absent. */
  readonly origin: string | undefined;
  /** Subprotocols the client offered, in its order (empty when none). */
  readonly protocols: readonly string[];
  /** The subprotocol chosen by `selectProtocol`, if any. */
  readonly protocol: string | undefined;
  /** The negotiated permessage-deflate parameters, undefined when not in use. */
  readonly deflate: DeflateParams | undefined;
  /** The `Sec-WebSocket-Extensions` value to answer with, undefined when none. */
  readonly extensions: string | undefined;
  /** All request headers. */
  readonly headers: HttpHeaders;
}

/** The GUID of RFC 6455 §1.3 that turns a key into its accept value. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

// 16 bytes in canonical base64: 22 characters, the last carrying 2 data bits and 4 zero bits.
const KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

/**
 * The `Sec-WebSocket-Accept` value for a key: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2).
 * @example acceptKey('dGhlIHNhbXBsZSBub25jZQ==') === 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='
 */
export function acceptKey(key: string): string {
  const input = key + WEBSOCKET_GUID;
  // The one-shot hash (Node 20.12+) makes no Hash object per handshake.
  if (oneShotHash !== undefined) return oneShotHash('sha1', Buffer.from(input, 'latin1'), 'base64');
  return crypto.createHash('sha1').update(input, 'latin1').digest('base64');
}

type OneShotHash = (algorithm: string, data: Uint8Array, encoding: 'base64') => string;
const oneShotHash = (crypto as unknown as { hash?: OneShotHash }).hash;

/** Whether `key` is a valid `Sec-WebSocket-Key`: canonical base64 of exactly 16 bytes. */
export function isValidWebSocketKey(key: string): boolean {
  return KEY.test(key);
}

/**
 * Validates a client's opening handshake (RFC 6455 §4.2.1) and negotiates the subprotocol and
 * permessage-deflate.
 * @param head the request head from an `HttpHeadParser('request')`.
 * @param options see {@link ServerHandshakeOptions}.
 * @throws {HandshakeError} with the status to answer with (see {@link rejectionFor}):
 * 400 for a malformed request (method other than GET, HTTP older than 1.1, missing or repeated
 * `Host`, missing `Upgrade: websocket` or `Connection: upgrade`, a request body, a bad key, a
 * bad `Sec-WebSocket-Protocol`, a bad `Sec-WebSocket-Extensions` while deflate is enabled);
 * 426 for a missing or other `Sec-WebSocket-Version`; 403 when `verifyOrigin` refuses.
 */
export function validateUpgradeRequest(
  head: HttpRequestHead,
  options: ServerHandshakeOptions = {},
): ValidatedUpgradeRequest {
  const { headers } = head;
  // RFC 6455 only asks for "an appropriate error code (such as 400)"; 405 would also fit a bad
  // method, but the handshake answers with 400, 403, 426 or 431 only.
  if (head.method !== 'GET') {
    throw new HandshakeError('WS_ERR_HANDSHAKE_METHOD', 400, `Invalid HTTP method ${head.method}: expected GET`);
  }
  if (head.versionMajor < 1 || (head.versionMajor === 1 && head.versionMinor < 1)) {
    throw bad(`HTTP/${head.versionMajor}.${head.versionMinor} cannot upgrade: HTTP/1.1 or later is required`);
  }
  const hosts = headers.getAll('host');
  // RFC 9112 §3.2: a request without exactly one Host is a 400.
  if (hosts.length !== 1 || hosts[0] === '') throw bad('Missing or repeated Host header');
  // What follows the head is frames; a body would make the two ends disagree about where they start.
  if (headers.has('transfer-encoding') || (headers.has('content-length') && headers.get('content-length') !== '0')) {
    throw bad('An upgrade request must not have a body');
  }
  if (!headerListHasToken(headers.get('upgrade'), 'websocket')) {
    throw new HandshakeError('WS_ERR_HANDSHAKE_UPGRADE', 400, 'Missing or invalid Upgrade header: expected websocket');
  }
  if (!headerListHasToken(headers.get('connection'), 'upgrade')) {
    throw new HandshakeError('WS_ERR_HANDSHAKE_UPGRADE', 400, 'Missing or invalid Connection header: expected upgrade');
  }
  // Checked before the key so that a client of another version learns which one we speak.
  if (headers.get('sec-websocket-version') !== '13') {
    throw new HandshakeError('WS_ERR_HANDSHAKE_VERSION', 426, 'Unsupported Sec-WebSocket-Version: expected 13');
  }
  const keys = headers.getAll('sec-websocket-key');
  if (keys.length !== 1 || !KEY.test(keys[0])) {
    throw new HandshakeError('WS_ERR_HANDSHAKE_KEY', 400, 'Missing or invalid Sec-WebSocket-Key header');
  }

  const origins = headers.getAll('origin');
  if (origins.length > 1) throw bad('Repeated Origin header');
  const origin = origins[0];
  if (options.verifyOrigin !== undefined && !options.verifyOrigin(origin, head)) {
    throw new HandshakeError('WS_ERR_HANDSHAKE_FORBIDDEN', 403, 'Origin not allowed');
  }

  const protocols = offeredProtocols(headers);
  let protocol: string | undefined;
  if (options.selectProtocol !== undefined && protocols.length > 0) {
    protocol = options.selectProtocol(protocols, head);
    if (protocol !== undefined && !protocols.includes(protocol)) {
      throw new TypeError(`selectProtocol returned ${JSON.stringify(protocol)}, which the client did not offer`);
    }
  }

  let deflate: DeflateParams | undefined;
  let extensions: string | undefined;
  const deflateOptions = options.perMessageDeflate === true ? {} : options.perMessageDeflate;
  if (deflateOptions !== undefined && deflateOptions !== false && headers.has('sec-websocket-extensions')) {
    const negotiated = negotiateDeflateServer(parseExtensions(headers.getAll('sec-websocket-extensions')), deflateOptions);
    if (negotiated !== undefined) {
      deflate = negotiated.params;
      extensions = negotiated.response;
    }
  }

  return { key: keys[0], path: head.target, host: hosts[0], origin, protocols, protocol, deflate, extensions, headers };
}

/** Parses `Sec-WebSocket-Protocol` (RFC 6455 §4.1): unique tokens, at least one when present. */
function offeredProtocols(headers: HttpHeaders): string[] {
  if (!headers.has('sec-websocket-protocol')) return [];
  const protocols = splitHeaderList(headers.get('sec-websocket-protocol') ?? '');
  if (protocols.length === 0) throw bad('Empty Sec-WebSocket-Protocol header');
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (!isHttpToken(protocol)) throw bad(`Invalid subprotocol ${JSON.stringify(protocol)}`);
    if (seen.has(protocol)) throw bad(`Duplicate subprotocol ${protocol}`);
    seen.add(protocol);
  }
  return protocols;
}

const ACCEPT_RESERVED = new Set([
  'upgrade',
  'connection',
  'sec-websocket-accept',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
]);

/**
 * The 101 response accepting a validated request. The result is ASCII; write it as bytes
 * (e.g. `Buffer.from(response, 'latin1')`) before any frame.
 * @param accepted the request's key, chosen protocol and extensions answer.
 * @param extraHeaders more fields to send (default none), e.g. `Set-Cookie`.
 * @throws {TypeError} when an extra header is malformed (CR/LF or another control character,
 * non-token name: header injection) or repeats one of the handshake's own fields.
 */
export function buildAcceptResponse(
  accepted: Pick<ValidatedUpgradeRequest, 'key' | 'protocol' | 'extensions'>,
  extraHeaders: ExtraHeaders = [],
): string {
  const accept = acceptKey(accepted.key);
  // The common answer (no subprotocol, extension or extra header) needs no field checks.
  if (accepted.protocol === undefined && accepted.extensions === undefined && extraHeaders.length === 0) {
    return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
  }
  const fields: Array<[string, string]> = [['Sec-WebSocket-Accept', accept]];
  if (accepted.protocol !== undefined) {
    if (!isHttpToken(accepted.protocol)) throw new TypeError(`Invalid subprotocol ${JSON.stringify(accepted.protocol)}`);
    fields.push(['Sec-WebSocket-Protocol', accepted.protocol]);
  }
  if (accepted.extensions !== undefined) fields.push(['Sec-WebSocket-Extensions', accepted.extensions]);
  return (
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    formatHeaderFields(fields) +
    formatHeaderFields(extraHeaders, ACCEPT_RESERVED) +
    '\r\n'
  );
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  426: 'Upgrade Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const REJECT_RESERVED = new Set(['connection', 'content-type', 'content-length', 'transfer-encoding']);

/**
 * A complete HTTP/1.1 response refusing the upgrade, after which the connection is closed:
 * `Connection: close`, a `text/plain` body and its `Content-Length`. A 426 also carries
 * `Sec-WebSocket-Version: 13` (RFC 6455 §4.4). The head is ASCII and the body UTF-8, so write
 * the whole string with `Buffer.from(response, 'utf8')`.
 * @param status 300–599.
 * @param reason the body (default: the status text).
 * @param extraHeaders more fields to send (default none).
 * @throws {RangeError} on a status outside 300–599.
 * @throws {TypeError} on a malformed extra header or one repeating the response's own fields.
 */
export function buildRejectResponse(status: number, reason?: string, extraHeaders: ExtraHeaders = []): string {
  if (!Number.isInteger(status) || status < 300 || status > 599) {
    throw new RangeError(`A rejection status must be an integer from 300 to 599, got ${status}`);
  }
  const text = STATUS_TEXT[status] ?? (status >= 500 ? 'Server Error' : status >= 400 ? 'Client Error' : 'Redirection');
  const body = reason ?? text;
  const fields: Array<[string, string]> = [
    ['Connection', 'close'],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(Buffer.byteLength(body, 'utf8'))],
  ];
  const reserved = new Set(REJECT_RESERVED);
  if (status === 426) {
    fields.push(['Sec-WebSocket-Version', '13']);
    reserved.add('sec-websocket-version');
  }
  return `HTTP/1.1 ${status} ${text}\r\n${formatHeaderFields(fields)}${formatHeaderFields(extraHeaders, reserved)}\r\n${body}`;
}

/**
 * The rejection response for a handshake error: its status (400 when it carries none in
 * 300–599) and its message as the body.
 */
export function rejectionFor(error: HandshakeError): string {
  const status = error.status >= 300 && error.status <= 599 ? error.status : 400;
  return buildRejectResponse(status, error.message);
}

function bad(message: string): HandshakeError {
  return new HandshakeError('WS_ERR_HANDSHAKE_BAD_REQUEST', 400, message);
}
