/**
 * Errors shaped like ws's: the same constructors, `code` strings and messages (RFC 6455
 * violations by the peer are `RangeError`s with `Invalid WebSocket frame: ...`).
 */
import type { HandshakeError, HandshakeErrorReason, ProtocolError } from '@uws/protocol';

/** Symbol under which ws keeps the close code of a protocol error (`err[kStatusCode]`). */
export const kStatusCode: unique symbol = Symbol('status-code');

/** ws's wording per code, where it does not depend on the frame. */
const WS_MESSAGES: Partial<Record<string, string>> = {
  WS_ERR_UNEXPECTED_RSV_2_3: 'Invalid WebSocket frame: RSV2 and RSV3 must be clear',
  WS_ERR_UNEXPECTED_RSV_1: 'Invalid WebSocket frame: RSV1 must be clear',
  WS_ERR_EXPECTED_FIN: 'Invalid WebSocket frame: FIN must be set',
  WS_ERR_EXPECTED_MASK: 'Invalid WebSocket frame: MASK must be set',
  WS_ERR_UNEXPECTED_MASK: 'Invalid WebSocket frame: MASK must be clear',
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'Max payload size exceeded',
  WS_ERR_TOO_MANY_FRAGMENTS: 'Too many message fragments',
  WS_ERR_INVALID_UTF8: 'Invalid WebSocket frame: invalid UTF-8 sequence',
};

export type WsError = (Error | RangeError) & { code: string; [kStatusCode]: number };

/** The ws-shaped error for a protocol error of the peer. */
export function wsErrorFrom(error: ProtocolError): WsError {
  // A frame over the limit is, for ws, the message over maxPayload (the same check and wording).
  const code = error.code === 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH' ? 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' : error.code;
  const message = WS_MESSAGES[code] ?? `Invalid WebSocket frame: ${error.message}`;
  const err = (code === 'WS_ERR_INFLATE_FAILED' || code === 'WS_ERR_INVALID_UTF8' ? new Error(message) : new RangeError(message)) as WsError;
  err.code = code;
  err[kStatusCode] = error.closeCode;
  return err;
}

/** ws's wording for a 101 the client refuses, per the handshake's reason. */
const WS_HANDSHAKE_MESSAGES: Record<HandshakeErrorReason, string | undefined> = {
  // Not an upgrade to node:http, so ws reports the response as unexpected.
  status: undefined,
  'http-version': undefined,
  connection: undefined,
  upgrade: 'Invalid Upgrade header',
  accept: 'Invalid Sec-WebSocket-Accept header',
  'subprotocol-unrequested': 'Server sent a subprotocol but none was requested',
  'subprotocol-missing': 'Server sent no subprotocol',
  'subprotocol-invalid': 'Server sent an invalid subprotocol',
  'extension-unrequested': 'Server sent a Sec-WebSocket-Extensions header but no extension was requested',
  'extension-syntax': 'Invalid Sec-WebSocket-Extensions header',
  'extension-unknown': 'Server indicated an extension that was not requested',
  'extension-params': 'Invalid Sec-WebSocket-Extensions header',
};

/** ws's message for the client's refusal of a server's answer. */
export function wsHandshakeMessage(error: HandshakeError): string {
  return (error.reason !== undefined ? WS_HANDSHAKE_MESSAGES[error.reason] : undefined) ?? `Unexpected server response: ${error.status}`;
}
