// @ts-check
// 4.x Opcodes: reserved non-control (3–7, 4.1) and control (11–15, 4.2) opcodes fail with 1002.
import { SERVER_FAILS_1002, bytes, framesCase, message } from '../case-builders.mjs';

const hello = bytes('Hello, world!');
const reservedPayload = bytes('reserved opcode payload');

/** The five cases of one group, for its five reserved opcodes. @param {string} group @param {number[]} ops */
const opcodeGroup = (group, ops) => {
  const echoThenFail = { OK: [message(hello, false)], 'NON-STRICT': [] };
  return [
    framesCase(`${group}.1`, { expected: { OK: [] }, close: SERVER_FAILS_1002, frames: [{ opcode: ops[0] }], then: { kill: 1 } }),
    framesCase(`${group}.2`, { expected: { OK: [] }, close: SERVER_FAILS_1002, frames: [{ opcode: ops[1], payload: reservedPayload }], then: { kill: 1 } }),
    framesCase(`${group}.3`, {
      expected: echoThenFail, close: SERVER_FAILS_1002,
      frames: [{ opcode: 1, payload: hello }, { opcode: ops[2] }, { opcode: 9 }], then: { kill: 1 },
    }),
    framesCase(`${group}.4`, {
      expected: echoThenFail, close: SERVER_FAILS_1002,
      frames: [{ opcode: 1, payload: hello }, { opcode: ops[3], payload: hello }, { opcode: 9 }], then: { kill: 1 },
    }),
    framesCase(`${group}.5`, {
      expected: echoThenFail, close: SERVER_FAILS_1002,
      frames: [{ opcode: 1, payload: hello, chopsize: 1 }, { opcode: ops[4], payload: hello, chopsize: 1 }, { opcode: 9, chopsize: 1 }],
      then: { kill: 1 },
    }),
  ];
};

export const section4 = [...opcodeGroup('4.1', [3, 4, 5, 6, 7]), ...opcodeGroup('4.2', [11, 12, 13, 14, 15])];
