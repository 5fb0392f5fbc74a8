/**
 * The chat's wire protocol: one JSON object per WebSocket text message.
 *
 * Client → server:
 *   { "type": "join",   "room": "lobby", "name": "ana" }   join a room (leaves the previous one)
 *   { "type": "say",    "text": "hello" }                  post to the joined room
 *   { "type": "typing" }                                    "I am typing" (ephemeral, not kept)
 *
 * Server → client:
 *   { "type": "joined",   "room", "name", "members": [names], "history": [message], "server"? }
 *        server: the id of the process (or worker thread) the socket is on, when there are several
 *   { "type": "message",  "room", "name", "text", "at" }    at: ms since the epoch
 *   { "type": "presence", "room", "count", "members": [names], "joined"?: name, "left"?: name }
 *   { "type": "typing",   "room", "name" }
 *   { "type": "error",    "code", "message" }              the socket stays open
 *
 * Everything a client sends is checked here; a message that fails a check becomes an
 * `error` reply, never an exception out of a handler.
 */

/** Longest name, in characters (after trimming). */
export const MAX_NAME_LENGTH = 32;
/** Longest room name, in characters. Room names are lowercase letters, digits, '-' and '_'. */
export const MAX_ROOM_LENGTH = 32;
/** Longest chat message, in characters (after trimming). */
export const MAX_TEXT_LENGTH = 1000;
/**
 * Largest WebSocket message the server accepts, in bytes: room for the longest valid `say`
 * (UTF-8 may take up to 3 bytes a character here, and JSON escapes more) and no more. Past it
 * the App closes the socket with 1009.
 */
export const MAX_FRAME_BYTES = 8 * 1024;

/** Close code for a binary message: the protocol is text only (RFC 6455 1003, unsupported data). */
export const CLOSE_UNSUPPORTED_DATA = 1003;

const ROOM_PATTERN = /^[a-z0-9_-]+$/;
// Control characters (C0, DEL, C1) have no place in a name or a line of chat.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * @typedef {{ type: 'join', room: string, name: string }
 *   | { type: 'say', text: string }
 *   | { type: 'typing' }} ClientMessage
 * @typedef {{ ok: true, message: ClientMessage } | { ok: false, code: string, reason: string }} ParseResult
 */

/**
 * Parses and validates one text message from a client.
 * @param {string} text the message as received
 * @returns {ParseResult}
 */
export function parseClientMessage(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('bad-json', 'messages are JSON objects');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('bad-json', 'messages are JSON objects');
  switch (value.type) {
    case 'join': {
      const room = typeof value.room === 'string' ? value.room.trim().toLowerCase() : '';
      if (room.length === 0 || room.length > MAX_ROOM_LENGTH || !ROOM_PATTERN.test(room)) {
        return fail('bad-room', `a room is 1-${MAX_ROOM_LENGTH} of a-z, 0-9, '-' and '_'`);
      }
      const name = typeof value.name === 'string' ? value.name.trim() : '';
      if (name.length === 0 || name.length > MAX_NAME_LENGTH || CONTROL.test(name)) {
        return fail('bad-name', `a name is 1-${MAX_NAME_LENGTH} printable characters`);
      }
      return { ok: true, message: { type: 'join', room, name } };
    }
    case 'say': {
      const said = typeof value.text === 'string' ? value.text.trim() : '';
      if (said.length === 0 || said.length > MAX_TEXT_LENGTH) {
        return fail('bad-text', `a message is 1-${MAX_TEXT_LENGTH} characters`);
      }
      // Newlines and tabs may stay in a message; other control characters may not.
      if (CONTROL.test(said.replace(/[\n\t]/g, ''))) return fail('bad-text', 'a message has no control characters');
      return { ok: true, message: { type: 'say', text: said } };
    }
    case 'typing':
      return { ok: true, message: { type: 'typing' } };
    default:
      return fail('bad-type', "type is 'join', 'say' or 'typing'");
  }
}

/**
 * @param {string} code
 * @param {string} reason
 * @returns {{ ok: false, code: string, reason: string }}
 */
function fail(code, reason) {
  return { ok: false, code, reason };
}

/**
 * Encodes a server message.
 * @param {Record<string, unknown>} message
 * @returns {string}
 */
export function encode(message) {
  return JSON.stringify(message);
}

/**
 * An `error` reply.
 * @param {string} code
 * @param {string} message
 */
export function errorMessage(code, message) {
  return encode({ type: 'error', code, message });
}
