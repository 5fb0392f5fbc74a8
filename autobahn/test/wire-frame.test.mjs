// Frames the fuzzer writes: masking takes a 32-bit path where alignment allows it, and must give
// the bytes the plain XOR rule gives at every alignment and key position; whole frames must
// read back as sent.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FrameReader } from '../src/frame-reader.mjs';
import { encodeFrame, maskCopy, newMaskKey } from '../src/wire-frame.mjs';

/** @param {Uint8Array} data @param {Uint8Array} key @param {number} offset */
const xorRule = (data, key, offset) => Buffer.from(data.map((b, i) => b ^ key[(offset + i) & 3]));

describe('wire frames', () => {
  it('masks like the byte-by-byte rule at every alignment, key offset and length', () => {
    const backing = randomBytes(300);
    const key = Buffer.from([0x12, 0x34, 0xab, 0xcd]);
    for (let start = 0; start < 4; start++)
      for (let offset = 0; offset < 5; offset++)
        for (const length of [0, 1, 3, 4, 15, 16, 17, 63, 200]) {
          const data = backing.subarray(start, start + length);
          expect(maskCopy(data, key, offset)).toEqual(xorRule(data, key, offset));
        }
  });

  it('draws a different masking key per frame', () => {
    const keys = new Set(Array.from({ length: 64 }, () => newMaskKey().toString('hex')));
    expect(keys.size).toBeGreaterThan(60);
  });

  it('writes frames that read back as sent, masked and unmasked', () => {
    const payloads = [Buffer.alloc(0), randomBytes(125), randomBytes(126), randomBytes(70000)];
    for (const masked of [true, false]) {
      const reader = new FrameReader();
      const wire = Buffer.concat(payloads.map((p, i) => encodeFrame({ opcode: 2, payload: p, fin: i % 2 === 0, rsv: i & 7 }, masked)));
      // Split at an odd place, so frames span chunks.
      const frames = [...reader.push(wire.subarray(0, 1001)), ...reader.push(wire.subarray(1001))];
      expect(frames.map((f) => [f.payload, f.masked, f.fin, f.rsv, f.opcode])).toEqual(payloads.map((p, i) => [p, masked, i % 2 === 0, i & 7, 2]));
    }
  });

  it('repeats a pattern to a declared length', () => {
    const [f] = new FrameReader().push(encodeFrame({ opcode: 1, payload: Buffer.from('abc'), payloadLen: 100000 }));
    expect(f.length).toBe(100000);
    expect(f.payload.subarray(99996).toString()).toBe('abca');
  });
});
