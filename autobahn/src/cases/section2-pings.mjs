// @ts-check
// 2.x Pings/Pongs: pongs echo ping payloads; long or fragmented pings fail the connection;
// unsolicited pongs are ignored.
import { Case } from '../case.mjs';
import { SERVER_FAILS_1002, WE_CLOSE, bytes, fill, framesCase, pong } from '../case-builders.mjs';

/** @param {string} id @param {number | undefined} chopsize @returns {import('../case-builders.mjs').CaseEntry} */
const tenPings = (id, chopsize) => ({
  id,
  make: (p) =>
    new (class extends Case {
      onOpen() {
        /** @type {import('../case.mjs').CaseEvent[]} */
        const events = [];
        for (let i = 0; i < 10; i++) {
          const payload = bytes(`payload-${i}`);
          events.push(pong(payload));
          this.p.sendFrame({ opcode: 9, payload, chopsize });
        }
        this.expected.set('OK', events);
        this.expectedClose = { ...WE_CLOSE };
        this.p.closeAfter(3);
      }
    })(p),
});

const binaryPayload = bytes('\x00\xff\xfe\xfd\xfc\xfb\x00\xff');

export const section2 = [
  framesCase('2.1', { expected: { OK: [pong(bytes(''))] }, close: WE_CLOSE, frames: [{ opcode: 9 }], then: { close: 1 } }),
  framesCase('2.2', { expected: { OK: [pong(bytes('Hello, world!'))] }, close: WE_CLOSE, frames: [{ opcode: 9, payload: bytes('Hello, world!') }], then: { close: 1 } }),
  framesCase('2.3', { expected: { OK: [pong(binaryPayload)] }, close: WE_CLOSE, frames: [{ opcode: 9, payload: binaryPayload }], then: { close: 1 } }),
  framesCase('2.4', { expected: { OK: [pong(fill(0xfe, 125))] }, close: WE_CLOSE, frames: [{ opcode: 9, payload: fill(0xfe, 125) }], then: { close: 1 } }),
  framesCase('2.5', { expected: { OK: [] }, close: SERVER_FAILS_1002, frames: [{ opcode: 9, payload: fill(0xfe, 126) }], then: { kill: 1 } }),
  framesCase('2.6', { expected: { OK: [pong(fill(0xfe, 125))] }, close: WE_CLOSE, frames: [{ opcode: 9, payload: fill(0xfe, 125), chopsize: 1 }], then: { close: 2 } }),
  framesCase('2.7', { expected: { OK: [] }, close: WE_CLOSE, frames: [{ opcode: 10 }], sendCloseAfterFrames: true, then: { close: 1 } }),
  framesCase('2.8', { expected: { OK: [] }, close: WE_CLOSE, frames: [{ opcode: 10, payload: bytes('unsolicited pong payload') }], sendCloseAfterFrames: true, then: { close: 1 } }),
  framesCase('2.9', {
    expected: { OK: [pong(bytes('ping payload'))] },
    close: WE_CLOSE,
    frames: [{ opcode: 10, payload: bytes('unsolicited pong payload') }, { opcode: 9, payload: bytes('ping payload') }],
    then: { close: 1 },
  }),
  tenPings('2.10', undefined),
  tenPings('2.11', 1),
];
