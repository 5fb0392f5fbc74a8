// @ts-check
// 1.x Framing: text (1.1) and binary (1.2) messages at the length-encoding boundaries.
import { WE_CLOSE, fill, framesCase, message } from '../case-builders.mjs';

/** [payload length, kill delay s, chopsize] for 1.x.1 … 1.x.8 */
const SIZES = [
  [0, 1], [125, 1], [126, 1], [127, 1], [128, 1], [65535, 10], [65536, 10], [65536, 10, 997],
];

/** @param {1 | 2} sub @param {number} opcode @param {number} byte */
const group = (sub, opcode, byte) =>
  SIZES.map(([len, kill, chopsize], i) => {
    const payload = fill(byte, len);
    return framesCase(`1.${sub}.${i + 1}`, {
      expected: { OK: [message(payload, opcode === 2)] },
      close: WE_CLOSE,
      frames: [{ opcode, payload, chopsize }],
      then: { kill },
    });
  });

export const section1 = [...group(1, 1, 0x2a), ...group(2, 2, 0xfe)];
