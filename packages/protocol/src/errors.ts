/**
 * Protocol errors are values with a stable string code (like ws's `WS_ERR_*`) and the close
 * code (RFC 6455 §7.4.1) or HTTP status that the peer must be told.
 */

/** Stable error codes. Each maps to exactly one close code, see {@link CLOSE_CODE_FOR}. */
export type ProtocolErrorCode =
  | 'WS_ERR_INVALID_OPCODE'
  | 'WS_ERR_UNEXPECTED_RSV_1'
  | 'WS_ERR_UNEXPECTED_RSV_2_3'
  | 'WS_ERR_EXPECTED_MASK'
  | 'WS_ERR_UNEXPECTED_MASK'
  | 'WS_ERR_EXPECTED_FIN'
  | 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'
  | 'WS_ERR_UNEXPECTED_CONTINUATION'
  | 'WS_ERR_EXPECTED_CONTINUATION'
  | 'WS_ERR_INVALID_PAYLOAD_LENGTH'
  | 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH'
  | 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
  | 'WS_ERR_TOO_MANY_FRAGMENTS'
  | 'WS_ERR_INVALID_CLOSE_CODE'
  | 'WS_ERR_INVALID_CLOSE_PAYLOAD'
  | 'WS_ERR_INVALID_UTF8'
  | 'WS_ERR_INFLATE_FAILED'
  | 'WS_ERR_DATA_AFTER_CLOSE'
  | 'WS_ERR_UNEXPECTED_EOF';

/** Close codes used by the codec (RFC 6455 §7.4.1). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  NO_STATUS: 1005,
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  TLS_HANDSHAKE: 1015,
} as const;

/** The close code each error is answered with. */
export const CLOSE_CODE_FOR: Readonly<Record<ProtocolErrorCode, number>> = {
  WS_ERR_INVALID_OPCODE: CloseCode.PROTOCOL_ERROR,
  WS_ERR_UNEXPECTED_RSV_1: CloseCode.PROTOCOL_ERROR,
  WS_ERR_UNEXPECTED_RSV_2_3: CloseCode.PROTOCOL_ERROR,
  WS_ERR_EXPECTED_MASK: CloseCode.PROTOCOL_ERROR,
  WS_ERR_UNEXPECTED_MASK: CloseCode.PROTOCOL_ERROR,
  WS_ERR_EXPECTED_FIN: CloseCode.PROTOCOL_ERROR,
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: CloseCode.PROTOCOL_ERROR,
  WS_ERR_UNEXPECTED_CONTINUATION: CloseCode.PROTOCOL_ERROR,
  WS_ERR_EXPECTED_CONTINUATION: CloseCode.PROTOCOL_ERROR,
  WS_ERR_INVALID_PAYLOAD_LENGTH: CloseCode.PROTOCOL_ERROR,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: CloseCode.MESSAGE_TOO_BIG,
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: CloseCode.MESSAGE_TOO_BIG,
  WS_ERR_TOO_MANY_FRAGMENTS: CloseCode.MESSAGE_TOO_BIG,
  WS_ERR_INVALID_CLOSE_CODE: CloseCode.PROTOCOL_ERROR,
  WS_ERR_INVALID_CLOSE_PAYLOAD: CloseCode.PROTOCOL_ERROR,
  WS_ERR_INVALID_UTF8: CloseCode.INVALID_PAYLOAD,
  WS_ERR_INFLATE_FAILED: CloseCode.INVALID_PAYLOAD,
  WS_ERR_DATA_AFTER_CLOSE: CloseCode.PROTOCOL_ERROR,
  WS_ERR_UNEXPECTED_EOF: CloseCode.ABNORMAL,
};

/** A violation of the protocol by the peer (or a limit it crossed). */
export class ProtocolError extends Error {
  /** Stable machine-readable code. */
  readonly code: ProtocolErrorCode;
  /** Close code to send to the peer (1006 means: no close frame can be sent, just drop). */
  readonly closeCode: number;

  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.closeCode = CLOSE_CODE_FOR[code];
  }
}

/** Stable codes for a rejected opening handshake. */
export type HandshakeErrorCode =
  | 'WS_ERR_HANDSHAKE_BAD_REQUEST'
  | 'WS_ERR_HANDSHAKE_METHOD'
  | 'WS_ERR_HANDSHAKE_VERSION'
  | 'WS_ERR_HANDSHAKE_UPGRADE'
  | 'WS_ERR_HANDSHAKE_KEY'
  | 'WS_ERR_HANDSHAKE_HEADERS_TOO_LARGE'
  | 'WS_ERR_HANDSHAKE_FORBIDDEN'
  | 'WS_ERR_HANDSHAKE_EXTENSION'
  | 'WS_ERR_HANDSHAKE_RESPONSE'
  | 'WS_ERR_HANDSHAKE_ACCEPT'
  | 'WS_ERR_HANDSHAKE_SUBPROTOCOL';

/**
 * Why a client refused the server's answer, finer than the code (for a caller that words its
 * own errors, e.g. as another library does):
 * `'status'` not 101; `'http-version'` older than HTTP/1.1; `'upgrade'` no `Upgrade: websocket`;
 * `'connection'` no `Connection: upgrade`; `'accept'` missing, repeated or wrong
 * `Sec-WebSocket-Accept`; `'subprotocol-unrequested'` a subprotocol when none was offered;
 * `'subprotocol-missing'` none when some were offered; `'subprotocol-invalid'` one not offered
 * (or several); `'extension-unrequested'` a `Sec-WebSocket-Extensions` answer when none was
 * offered; `'extension-syntax'` a malformed one; `'extension-unknown'` an extension other than
 * the one offered, or more than one; `'extension-params'` permessage-deflate parameters the
 * offer does not allow.
 */
export type HandshakeErrorReason =
  | 'status'
  | 'http-version'
  | 'upgrade'
  | 'connection'
  | 'accept'
  | 'subprotocol-unrequested'
  | 'subprotocol-missing'
  | 'subprotocol-invalid'
  | 'extension-unrequested'
  | 'extension-syntax'
  | 'extension-unknown'
  | 'extension-params';

/**
 * A rejected opening handshake. On the server side `status` is the HTTP status to answer with
 * (400, 403, 426, 431); on the client side it is the status the server sent (or 0).
 */
export class HandshakeError extends Error {
  readonly code: HandshakeErrorCode;
  readonly status: number;
  /** The client's finer reason for refusing a server's answer; undefined elsewhere. */
  readonly reason: HandshakeErrorReason | undefined;

  constructor(code: HandshakeErrorCode, status: number, message: string, reason?: HandshakeErrorReason) {
    super(message);
    this.name = 'HandshakeError';
    this.code = code;
    this.status = status;
    this.reason = reason;
  }
}
