/**
 * Client side of the opening handshake (RFC 6455 §4.1): writing the upgrade request and
 * checking the server's answer. Bytes in and out are the caller's.
 */
import { randomBytes } from 'node:crypto';
import type { DeflateParams } from '../deflate/params.js';
import { type HandshakeErrorCode, type HandshakeErrorReason, HandshakeError } from '../errors.js';
import { parseExtensions } from '../extensions-header.js';
import { acceptKey, isValidWebSocketKey } from './server-rules.js';
import {
  type ExtraHeaders,
  type HttpHeaders,
  type HttpResponseHead,
  checkHeaderFields,
  formatHeaderFields,
  headerListHasToken,
  isHttpToken,
} from '../http-head.js';
import {
  type PerMessageDeflateOptions,
  acceptDeflateResponse,
  buildDeflateOffer,
} from '../deflate/negotiation.js';

/** Options of {@link buildUpgradeRequest}. */
export interface ClientHandshakeOptions {
  /** `Host` value: the server's authority, with the port when it is not the default. Required. */
  host: string;
  /** Request-target (path and query). Default `'/'`. */
  path?: string;
  /** Subprotocols to offer, most preferred first; unique tokens. Default none. */
  protocols?: readonly string[];
  /**
   * permessage-deflate to offer; `true` means `{}` (all defaults), false offers nothing.
   * Default false.
   */
  perMessageDeflate?: PerMessageDeflateOptions | boolean;
  /** `Origin` value. Default: no `Origin` header. */
  origin?: string;
  /**
   * More fields to send (e.g. `Authorization`); a value may hold obs-text (bytes 0x80-0xff as
   * Latin-1 characters, RFC 9110 §5.5). A field the handshake writes itself is refused. Default none.
   */
  headers?: ExtraHeaders;
  /** The `Sec-WebSocket-Key` to use; only for tests. Default: 16 random bytes, base64. */
  key?: string;
  /**
   * `Sec-WebSocket-Version` to send: 13 (RFC 6455), or 8 for a hybi-08 server, which also names
   * the origin field `Sec-WebSocket-Origin`. The answer is checked the same way. Default 13.
   */
  version?: 8 | 13;
  /**
   * What joins the offered subprotocols: `', '` or `','` (as the ws package writes them; both
   * are the same list to a server). Default `', '`.
   */
  protocolSeparator?: ', ' | ',';
  /**
   * The order of the request's fields, for a client that must reproduce another client's
   * request byte for byte: field names, matched case-insensitively, the handshake's own fields
   * (`Host`, `Upgrade`, …) and extra `headers` alike; each named field is written at its place
   * (all lines of a repeated extra header together), a handshake field spelled as it is here.
   * Fields not named follow in the default order. Default: `Host`, `Upgrade`, `Connection`,
   * `Sec-WebSocket-Key`, `Sec-WebSocket-Version`, `Origin`, `Sec-WebSocket-Protocol`,
   * `Sec-WebSocket-Extensions`, then the extra headers as given.
   */
  fieldOrder?: readonly string[];
}

/** An upgrade request ready to send. */
export interface ClientUpgradeRequest {
  /** The request head, ASCII; write it with `Buffer.from(request, 'latin1')`. */
  readonly request: string;
  /** The key sent, needed by {@link validateUpgradeResponse}. */
  readonly key: string;
  /** The request's header fields, `[name, value]` in the order written. */
  readonly fields: ReadonlyArray<readonly [string, string]>;
}

/** What the client asked for, to check the server's response against. */
export interface UpgradeResponseExpectations {
  /** The key sent in the request. */
  key: string;
  /** The subprotocols offered. Default none. */
  protocols?: readonly string[];
  /** The permessage-deflate options the offer was built from. Default false (none offered). */
  perMessageDeflate?: PerMessageDeflateOptions | boolean;
  /**
   * Accept a 101 in HTTP/1.0, which RFC 6455 does not allow but node:http (and so the ws
   * package) does. Default false.
   */
  acceptHttp10?: boolean;
}

/** A valid 101 response and what it established. */
export interface ValidatedUpgradeResponse {
  /** The subprotocol the server selected, undefined when none was offered. */
  readonly protocol: string | undefined;
  /** The permessage-deflate agreement, undefined when not in use. */
  readonly deflate: DeflateParams | undefined;
  /** The `Sec-WebSocket-Extensions` value received (`''` when absent). */
  readonly extensions: string;
  /** All response headers. */
  readonly headers: HttpHeaders;
}

const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * Writes the client's opening handshake (RFC 6455 §4.1) with a fresh random key.
 * @throws {TypeError} on an invalid host, path, origin, subprotocol list (non-token or
 * duplicate), key, version, field order or extra header (see `formatHeaderFields`).
 * @throws {RangeError} on invalid permessage-deflate options.
 */
export function buildUpgradeRequest(options: ClientHandshakeOptions): ClientUpgradeRequest {
  const { host, path = '/', protocols = [], origin, version = 13, protocolSeparator = ', ', fieldOrder } = options;
  if (typeof host !== 'string' || !VISIBLE_ASCII.test(host)) throw new TypeError(`Invalid host ${JSON.stringify(host)}`);
  if (typeof path !== 'string' || !VISIBLE_ASCII.test(path)) throw new TypeError(`Invalid path ${JSON.stringify(path)}`);
  if (origin !== undefined && (typeof origin !== 'string' || !VISIBLE_ASCII.test(origin))) {
    throw new TypeError(`Invalid origin ${JSON.stringify(origin)}`);
  }
  if (version !== 13 && version !== 8) throw new TypeError(`Invalid version ${JSON.stringify(version)}: 13 or 8`);
  if (protocolSeparator !== ', ' && protocolSeparator !== ',') throw new TypeError(`Invalid protocolSeparator ${JSON.stringify(protocolSeparator)}`);
  checkProtocols(protocols);
  const key = options.key ?? randomBytes(16).toString('base64');
  if (!isValidWebSocketKey(key)) throw new TypeError('A Sec-WebSocket-Key must be 16 bytes in base64');

  const fields: Array<[string, string]> = [
    ['Host', host],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', key],
    ['Sec-WebSocket-Version', String(version)],
  ];
  if (origin !== undefined) fields.push([version === 8 ? 'Sec-WebSocket-Origin' : 'Origin', origin]);
  if (protocols.length > 0) fields.push(['Sec-WebSocket-Protocol', protocols.join(protocolSeparator)]);
  const deflate = deflateOptions(options.perMessageDeflate);
  if (deflate !== undefined) fields.push(['Sec-WebSocket-Extensions', buildDeflateOffer(deflate)]);
  // A field the handshake writes cannot be given twice.
  const extra = checkHeaderFields(options.headers, new Set(fields.map(([name]) => name.toLowerCase())), { obsText: true });
  const ordered = fieldOrder === undefined ? [...fields, ...extra] : inOrder(fieldOrder, fields, extra);
  const request = `GET ${path} HTTP/1.1\r\n${formatHeaderFields(ordered, undefined, { obsText: true })}\r\n`;
  return { request, key, fields: ordered };
}

/** `fields` and `extra` in `order` (see `fieldOrder`), the rest after in their own order. */
function inOrder(order: readonly string[], fields: Array<[string, string]>, extra: Array<[string, string]>): Array<[string, string]> {
  if (!Array.isArray(order)) throw new TypeError('fieldOrder must be an array of field names');
  const rest = [...fields, ...extra];
  const out: Array<[string, string]> = [];
  for (const spelled of order) {
    if (typeof spelled !== 'string' || !isHttpToken(spelled)) throw new TypeError(`Invalid field name in fieldOrder: ${JSON.stringify(spelled)}`);
    const name = spelled.toLowerCase();
    const own = fields.find(([n]) => n.toLowerCase() === name);
    for (let i = 0; i < rest.length; ) {
      if (rest[i][0].toLowerCase() !== name) i++;
      else out.push(rest[i] === own ? [spelled, rest.splice(i, 1)[0][1]] : rest.splice(i, 1)[0]);
    }
  }
  return [...out, ...rest];
}

/**
 * Checks the server's answer to our upgrade request (RFC 6455 §4.1, client requirements).
 * Subprotocols follow the ws package: when protocols were offered the server must select one
 * of them, and when none were offered it must not name any.
 * @param head the response head from an `HttpHeadParser('response')`.
 * @param expected what the request asked for.
 * @throws {HandshakeError} with `status` set to the server's status and a `reason` (see
 * `HandshakeErrorReason`): `WS_ERR_HANDSHAKE_RESPONSE` (not 101, or older than HTTP/1.1),
 * `WS_ERR_HANDSHAKE_UPGRADE` (missing `Upgrade: websocket` / `Connection: upgrade`),
 * `WS_ERR_HANDSHAKE_ACCEPT` (missing, repeated or wrong `Sec-WebSocket-Accept`),
 * `WS_ERR_HANDSHAKE_SUBPROTOCOL`, `WS_ERR_HANDSHAKE_EXTENSION`.
 */
export function validateUpgradeResponse(
  head: HttpResponseHead,
  expected: UpgradeResponseExpectations,
): ValidatedUpgradeResponse {
  const { headers, status } = head;
  const fail = (code: HandshakeErrorCode, reason: HandshakeErrorReason, message: string): HandshakeError =>
    new HandshakeError(code, status, message, reason);
  if (status !== 101) throw fail('WS_ERR_HANDSHAKE_RESPONSE', 'status', `Unexpected server response: ${status}`);
  if (head.versionMajor < 1 || (head.versionMajor === 1 && head.versionMinor < (expected.acceptHttp10 === true ? 0 : 1))) {
    throw fail('WS_ERR_HANDSHAKE_RESPONSE', 'http-version', 'A 101 response must be HTTP/1.1 or later');
  }
  if (!headerListHasToken(headers.get('upgrade'), 'websocket')) {
    throw fail('WS_ERR_HANDSHAKE_UPGRADE', 'upgrade', 'Missing or invalid Upgrade header: expected websocket');
  }
  if (!headerListHasToken(headers.get('connection'), 'upgrade')) {
    throw fail('WS_ERR_HANDSHAKE_UPGRADE', 'connection', 'Missing or invalid Connection header: expected upgrade');
  }
  const accepts = headers.getAll('sec-websocket-accept');
  if (accepts.length !== 1 || accepts[0] !== acceptKey(expected.key)) {
    throw fail('WS_ERR_HANDSHAKE_ACCEPT', 'accept', 'Missing or invalid Sec-WebSocket-Accept header');
  }

  const protocol = selectedProtocol(head, expected.protocols ?? []);

  const received = headers.getAll('sec-websocket-extensions');
  const extensions = received.join(', ');
  let deflate: DeflateParams | undefined;
  if (received.length > 0) {
    const extension = (reason: HandshakeErrorReason, message: string): HandshakeError => fail('WS_ERR_HANDSHAKE_EXTENSION', reason, message);
    const offered = deflateOptions(expected.perMessageDeflate);
    if (offered === undefined) throw extension('extension-unrequested', 'Server sent a Sec-WebSocket-Extensions header but no extension was requested');
    let accepted;
    try {
      accepted = parseExtensions(received);
    } catch (error) {
      if (error instanceof HandshakeError) throw extension('extension-syntax', error.message);
      throw error;
    }
    // Only one extension was offered, so anything else (or more than it) is unrequested.
    if (accepted.length !== 1) throw extension('extension-unknown', 'Server accepted more than the one extension offered');
    try {
      deflate = acceptDeflateResponse(accepted[0], offered);
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      throw extension(accepted[0].name === 'permessage-deflate' ? 'extension-params' : 'extension-unknown', error.message);
    }
  }

  return { protocol, deflate, extensions, headers };
}

function selectedProtocol(head: HttpResponseHead, offered: readonly string[]): string | undefined {
  const values = head.headers.getAll('sec-websocket-protocol');
  const fail = (reason: HandshakeErrorReason, message: string): HandshakeError =>
    new HandshakeError('WS_ERR_HANDSHAKE_SUBPROTOCOL', head.status, message, reason);
  if (values.length === 0) {
    if (offered.length > 0) throw fail('subprotocol-missing', 'Server sent no subprotocol');
    return undefined;
  }
  if (offered.length === 0) throw fail('subprotocol-unrequested', 'Server sent a subprotocol but none was requested');
  if (values.length > 1 || !offered.includes(values[0])) throw fail('subprotocol-invalid', 'Server sent an invalid subprotocol');
  return values[0];
}

function checkProtocols(protocols: readonly string[]): void {
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (typeof protocol !== 'string' || !isHttpToken(protocol)) {
      throw new TypeError(`Invalid subprotocol ${JSON.stringify(protocol)}`);
    }
    if (seen.has(protocol)) throw new TypeError(`Duplicate subprotocol ${protocol}`);
    seen.add(protocol);
  }
}

function deflateOptions(option: PerMessageDeflateOptions | boolean | undefined): PerMessageDeflateOptions | undefined {
  if (option === undefined || option === false) return undefined;
  return option === true ? {} : option;
}
