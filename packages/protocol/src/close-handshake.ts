/**
 * The close handshake (RFC 6455 §5.5.1, §7): its states, its transitions, and the close frame
 * payloads it reads and answers with. `Connection` holds the state in bits of its packed flags
 * and calls these on every change; it queues the frames and reports the events.
 *
 *     OPEN ──we send a close──────────▶ CLOSING ──the peer's close arrives──▶ CLOSED
 *     OPEN ──the peer's close arrives (answered with ours at once)─────────▶ CLOSED
 *     any  ──protocol error (close with its code) or EOF (none, 1006)──────▶ CLOSED, failed
 *
 * After our close frame nothing else is sent (pongs included). A server closes the transport
 * once the handshake is over (§7.1.1: the server closes TCP first); a client waits for it.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { isValidWireCloseCode, MAX_CLOSE_REASON_BYTES } from './close-codes.js';
import { CloseCode, ProtocolError } from './errors.js';
import { encodeClosePayload } from './frame-serializer.js';
import type { Role } from './role.js';

/** Close handshake states. */
export type ConnectionState = 'open' | 'closing' | 'closed';

// The close handshake's bits in a connection's packed flags (the connection uses bit 3 and
// bits 6–7 for its sends): bits 0–2 below, the state's number (CLOSE_STATES) in bits 4–5.
/** Our close frame is queued: nothing may be sent after it. */
export const CLOSE_SENT = 1;
/** The peer's close frame arrived: nothing more is read. */
export const CLOSE_RECEIVED = 2;
/** The connection failed (protocol error, or EOF before the handshake ended). */
export const CLOSE_FAILED = 4;
const STATE_SHIFT = 4;
const STATE_BITS = 3 << STATE_SHIFT;
/** Close-handshake states by their number in the packed flags. */
const CLOSE_STATES: readonly ConnectionState[] = ['open', 'closing', 'closed'];
const CLOSED = 2 << STATE_SHIFT;

/** The state held in `flags`. */
export function closeStateOf(flags: number): ConnectionState {
  return CLOSE_STATES[(flags >>> STATE_SHIFT) & 3];
}

/** `flags` with the state set to CLOSED. */
function closed(flags: number): number {
  return (flags & ~STATE_BITS) | CLOSED;
}

/** Whether `flags` say CLOSED. */
export function isClosed(flags: number): boolean {
  return (flags & STATE_BITS) === CLOSED;
}

/** Whether nothing may be sent any more: our close is out, or the connection is closed. One test per send. */
export function sendingEnded(flags: number): boolean {
  return (flags & (CLOSE_SENT | CLOSED)) !== 0;
}

/** Whether the caller should close the transport now: at once after a failure; after the handshake on the server. */
export function transportShouldClose(flags: number, role: Role): boolean {
  return (flags & CLOSE_FAILED) !== 0 || (isClosed(flags) && role === 'server');
}

/**
 * Checks the arguments of a close we start: a valid wire code (or none, for an empty close) and
 * a reason of at most 123 UTF-8 bytes that comes with a code. Throws before anything changes.
 */
export function checkCloseArguments(code: number | undefined, reason: string): void {
  if (code === undefined && reason !== '') throw new TypeError('a close reason needs a close code');
  if (code !== undefined && !isValidWireCloseCode(code)) throw new RangeError(`invalid close code ${code}`);
  if (Buffer.byteLength(reason, 'utf8') > MAX_CLOSE_REASON_BYTES) {
    throw new RangeError(`close reason longer than ${MAX_CLOSE_REASON_BYTES} bytes`);
  }
}

/** We queued our close frame: OPEN → CLOSING, or CLOSED when the peer's close came first. */
export function afterCloseSent(flags: number): number {
  const sent = flags | CLOSE_SENT;
  return (sent & CLOSE_RECEIVED) !== 0 ? closed(sent) : (sent & ~STATE_BITS) | (1 << STATE_SHIFT);
}

/** The peer's close arrived (and ours is sent, before or as the answer): CLOSED. */
export function afterCloseReceived(flags: number): number {
  return closed(flags | CLOSE_RECEIVED | CLOSE_SENT);
}

/** The connection failed; `closeQueued`: a close frame with the error's code was queued. CLOSED. */
export function afterFailure(flags: number, closeQueued: boolean): number {
  return closed(flags | CLOSE_FAILED | (closeQueued ? CLOSE_SENT : 0));
}

/** A received close payload, read: its code (1005 when it had none) and its reason. */
export interface ClosePayload {
  readonly code: number;
  readonly reason: string;
}

/**
 * Reads the payload of a received close frame: empty (code 1005), or a valid wire code and a
 * UTF-8 reason (not checked with `skipUtf8`). Returns the error to fail the connection with
 * (1002 for a bad length or code, 1007 for bad UTF-8) instead of a payload.
 */
export function readClosePayload(payload: Uint8Array, skipUtf8: boolean): ClosePayload | ProtocolError {
  if (payload.length === 0) return { code: CloseCode.NO_STATUS, reason: '' };
  if (payload.length === 1) return new ProtocolError('WS_ERR_INVALID_CLOSE_PAYLOAD', 'a close payload must be empty or at least 2 bytes');
  const code = (payload[0] << 8) | payload[1];
  if (!isValidWireCloseCode(code)) return new ProtocolError('WS_ERR_INVALID_CLOSE_CODE', `invalid close code ${code}`);
  const reasonBytes = payload.subarray(2);
  if (!skipUtf8 && !isUtf8(reasonBytes)) return new ProtocolError('WS_ERR_INVALID_UTF8', 'invalid UTF-8 in the close reason');
  return { code, reason: Buffer.from(reasonBytes.buffer, reasonBytes.byteOffset, reasonBytes.length).toString('utf8') };
}

/**
 * The payload of our answer to the peer's close (RFC 6455 §5.5.1): its code, or an empty close
 * for an empty one; with `echoReason` (as the ws package does), the peer's code and reason.
 */
export function closeReplyPayload(payload: Uint8Array, code: number, echoReason: boolean): Uint8Array {
  if (payload.length < 2) return encodeClosePayload(undefined);
  // A copy: the received payload is a view into memory the caller reuses.
  return echoReason ? payload.slice() : encodeClosePayload(code);
}
