// @ts-check
// 3.x Reserved bits: any RSV bit without an extension fails the connection with 1002. Where a
// valid message precedes the bad frame, its echo may or may not arrive (OK / NON-STRICT).
import { SERVER_FAILS_1002, bytes, framesCase, message } from '../case-builders.mjs';

const hello = bytes('Hello, world!');
const echoThenFail = { OK: [message(hello, false)], 'NON-STRICT': [] };

/**
 * Text frame, bad frame with `rsv`, ping; written as `how` (plain, sync or chopped to 1 byte).
 * @param {string} id @param {number} rsv @param {{ sync?: boolean, chopsize?: number }} how
 */
const afterEcho = (id, rsv, how) =>
  framesCase(id, {
    expected: echoThenFail,
    close: SERVER_FAILS_1002,
    frames: [{ opcode: 1, payload: hello, ...how }, { opcode: 1, payload: hello, rsv, ...how }, { opcode: 9, ...how }],
    then: { kill: 1 },
  });

export const section3 = [
  framesCase('3.1', { expected: { OK: [] }, close: SERVER_FAILS_1002, frames: [{ opcode: 1, payload: hello, rsv: 1 }], then: { kill: 1 } }),
  afterEcho('3.2', 2, {}),
  afterEcho('3.3', 3, { sync: true }),
  afterEcho('3.4', 4, { chopsize: 1 }),
  framesCase('3.5', { expected: { OK: [] }, close: SERVER_FAILS_1002, frames: [{ opcode: 2, payload: bytes('\x00\xff\xfe\xfd\xfc\xfb\x00\xff'), rsv: 5 }], then: { kill: 1 } }),
  framesCase('3.6', { expected: { OK: [] }, close: SERVER_FAILS_1002, frames: [{ opcode: 2, payload: hello, rsv: 6 }], then: { kill: 1 } }),
  framesCase('3.7', { expected: { OK: [] }, close: SERVER_FAILS_1002, frames: [{ opcode: 8, rsv: 7 }], then: { kill: 1 } }),
];
