/**
 * engine.io's connection error codes and messages, exactly as engine.io 6 sends them: a
 * client's reconnection logic and a server's `connection_error` listeners key on these.
 */
export const EngineErrors = {
  UNKNOWN_TRANSPORT: 0,
  UNKNOWN_SID: 1,
  BAD_HANDSHAKE_METHOD: 2,
  BAD_REQUEST: 3,
  FORBIDDEN: 4,
  UNSUPPORTED_PROTOCOL_VERSION: 5,
} as const;

/** One of {@link EngineErrors}' codes. */
export type EngineErrorCode = (typeof EngineErrors)[keyof typeof EngineErrors];

/** engine.io's message for each {@link EngineErrorCode}. */
export const EngineErrorMessages: Readonly<Record<EngineErrorCode, string>> = {
  0: 'Transport unknown',
  1: 'Session ID unknown',
  2: 'Bad handshake method',
  3: 'Bad request',
  4: 'Forbidden',
  5: 'Unsupported protocol version',
};

/** What `connection_error` listeners get. */
export interface EngineConnectionError {
  /** The request (an `EngineRequest`). */
  req: unknown;
  code: EngineErrorCode;
  message: string;
  /** Details, e.g. `{ name: 'TRANSPORT_MISMATCH', transport, previousTransport }`, `{ sid }`. */
  context: Record<string, unknown> | undefined;
}
