import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskInto, setUnmaskAccelerator, unmaskInPlace, writeRandomMaskKey } from '../src/mask.js';
import { hex, RFC_MASK_KEY } from './support/frames.js';

/** Byte-at-a-time XOR, the definition in RFC 6455 §5.3. */
function referenceMask(data: Uint8Array, key: Uint8Array, phase: number): Uint8Array {
  return data.map((b, i) => b ^ key[(phase + i) & 3]);
}

/** A view at byte offset `shift` of a larger buffer, to exercise every alignment. */
function unaligned(data: Uint8Array, shift: number): Uint8Array {
  const backing = new Uint8Array(data.length + shift + 8).fill(0xee);
  const view = backing.subarray(shift, shift + data.length);
  view.set(data);
  return view;
}

// Sizes on both sides of the 64-byte switch to word-wise XOR.
const payload = fc.oneof(fc.uint8Array({ maxLength: 70 }), fc.uint8Array({ minLength: 60, maxLength: 600 }));
const key = fc.uint8Array({ minLength: 4, maxLength: 4 });

describe('unmaskInPlace', () => {
  it('unmasks the RFC 6455 §5.7 masked "Hello"', () => {
    const data = hex('7f 9f 4d 51 58');
    expect(unmaskInPlace(data, 0, data.length, RFC_MASK_KEY, 0, 0)).toBe(1);
    expect(Buffer.from(data).toString()).toBe('Hello');
  });

  it('matches the byte-wise definition for any length, alignment, phase and key offset', () => {
    fc.assert(
      fc.property(payload, key, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 5 }), (data, k, phase, shift, keyOff) => {
        const view = unaligned(data, shift);
        const keyBuf = new Uint8Array(keyOff + 4 + 3).fill(0x55);
        keyBuf.set(k, keyOff);
        const next = unmaskInPlace(view, 0, view.length, keyBuf, keyOff, phase);
        expect(next).toBe((phase + data.length) & 3);
        expect(view).toEqual(referenceMask(data, k, phase));
      }),
      { numRuns: 500 },
    );
  });

  it('touches only [start, end)', () => {
    fc.assert(
      fc.property(payload, key, fc.nat(20), fc.nat(20), (data, k, before, after) => {
        const buf = new Uint8Array(before + data.length + after).fill(0xa5);
        buf.set(data, before);
        unmaskInPlace(buf, before, before + data.length, k, 0, 0);
        expect(buf.subarray(0, before).every((b) => b === 0xa5)).toBe(true);
        expect(buf.subarray(before + data.length).every((b) => b === 0xa5)).toBe(true);
        expect(buf.subarray(before, before + data.length)).toEqual(referenceMask(data, k, 0));
      }),
      { numRuns: 300 },
    );
  });

  it('unmasking piece by piece with the returned phase equals unmasking at once', () => {
    fc.assert(
      fc.property(payload, key, fc.uniqueArray(fc.nat(600), { maxLength: 6 }), (data, k, rawCuts) => {
        const cuts = rawCuts.filter((c) => c <= data.length).sort((a, b) => a - b);
        const pieces = data.slice();
        let phase = 0;
        let from = 0;
        for (const c of [...cuts, data.length]) {
          phase = unmaskInPlace(pieces, from, c, k, 0, phase);
          from = c;
        }
        expect(pieces).toEqual(referenceMask(data, k, 0));
        expect(phase).toBe(data.length & 3);
      }),
      { numRuns: 300 },
    );
  });

  it('is its own inverse', () => {
    fc.assert(
      fc.property(payload, key, (data, k) => {
        const copy = data.slice();
        unmaskInPlace(copy, 0, copy.length, k, 0, 0);
        unmaskInPlace(copy, 0, copy.length, k, 0, 0);
        expect(copy).toEqual(data);
      }),
      { numRuns: 200 },
    );
  });
});

describe('maskInto', () => {
  it('writes the masked copy at the offset and leaves the source and the rest of dst alone', () => {
    fc.assert(
      fc.property(payload, key, fc.nat(9), fc.nat(9), (data, k, offset, shift) => {
        const src = unaligned(data, shift);
        const dst = new Uint8Array(offset + data.length + 5).fill(0x3c);
        maskInto(src, dst, offset, k, 0);
        expect(src).toEqual(data);
        expect(dst.subarray(offset, offset + data.length)).toEqual(referenceMask(data, k, 0));
        expect(dst.subarray(0, offset).every((b) => b === 0x3c)).toBe(true);
        expect(dst.subarray(offset + data.length).every((b) => b === 0x3c)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('reads the key from inside the destination, as the serializer does (key in the header)', () => {
    for (const len of [5, 64, 300]) {
      const data = new Uint8Array(len).map((_, i) => i * 7);
      const dst = new Uint8Array(6 + len);
      dst.set(RFC_MASK_KEY, 2);
      maskInto(data, dst, 6, dst, 2);
      expect(dst.subarray(2, 6)).toEqual(RFC_MASK_KEY);
      expect(dst.subarray(6)).toEqual(referenceMask(data, RFC_MASK_KEY, 0));
    }
  });
});

describe('writeRandomMaskKey', () => {
  it('writes exactly 4 bytes at the offset', () => {
    const dst = new Uint8Array(12).fill(0xcc);
    // Several keys: at least one must differ from the fill pattern in each written byte range.
    let changed = false;
    for (let i = 0; i < 8; i++) {
      writeRandomMaskKey(dst, 4);
      expect(dst.subarray(0, 4).every((b) => b === 0xcc)).toBe(true);
      expect(dst.subarray(8).every((b) => b === 0xcc)).toBe(true);
      if (dst.subarray(4, 8).some((b) => b !== 0xcc)) changed = true;
    }
    expect(changed).toBe(true);
  });

  it('gives fresh keys across pool refills (no repeats among 10 000 keys)', () => {
    // 10 000 keys span several refills of the 2048-key pool; 32-bit random keys should not
    // collide more than a handful of times (expected collisions ≈ 0.01).
    const seen = new Set<number>();
    const dst = new Uint8Array(4);
    for (let i = 0; i < 10_000; i++) {
      writeRandomMaskKey(dst, 0);
      seen.add(new DataView(dst.buffer).getUint32(0));
    }
    expect(seen.size).toBeGreaterThan(9_995);
  });
});

describe('setUnmaskAccelerator', () => {
  it('hands large pieces to the accelerator with the mask rotated to the phase, small ones not', () => {
    const calls: number[] = [];
    // A reference XOR standing in for native code.
    setUnmaskAccelerator((data, word) => {
      calls.push(data.length);
      const key = new Uint8Array(new Uint32Array([word]).buffer);
      for (let i = 0; i < data.length; i++) data[i] ^= key[i & 3];
    }, 100);
    try {
      const key = new Uint8Array([1, 2, 3, 4]);
      const plain = new Uint8Array(1000).map((_, i) => (i * 13) & 0xff);
      const masked = plain.map((b, i) => b ^ key[i & 3]);
      // Unmask in pieces with odd phases: 3 bytes (JS), 500 (accelerated), 497 (accelerated).
      let phase = unmaskInPlace(masked, 0, 3, key, 0, 0);
      phase = unmaskInPlace(masked, 3, 503, key, 0, phase);
      unmaskInPlace(masked, 503, 1000, key, 0, phase);
      expect(masked).toEqual(plain);
      expect(calls).toEqual([500, 497]);
    } finally {
      setUnmaskAccelerator(undefined);
    }
  });
});
