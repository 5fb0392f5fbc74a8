import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidUtf8, Utf8Validator } from '../src/utf8-validator.js';
import { hex, toHex, utf8 } from './support/frames.js';

/** Pushes each chunk; returns the index of the first chunk rejected, or -1. */
function firstRejectedChunk(v: Utf8Validator, chunks: Uint8Array[]): number {
  for (let i = 0; i < chunks.length; i++) if (!v.push(chunks[i])) return i;
  return -1;
}

/** Valid when every push succeeds and no code point is left open. */
function validInChunks(chunks: Uint8Array[]): boolean {
  const v = new Utf8Validator();
  return firstRejectedChunk(v, chunks) === -1 && v.isComplete();
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const c of [...sorted, bytes.length]) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  return out;
}

/**
 * True when `prefix` can still be completed to valid UTF-8. A code point needs at most 3 more
 * bytes; 80, 90 and A0 together satisfy every second-byte range (E0: A0–BF, ED: 80–9F,
 * F0: 90–BF, F4: 80–8F), so trying them is exhaustive.
 */
function isValidPrefix(prefix: Uint8Array): boolean {
  if (isUtf8(prefix)) return true;
  const tails = [0x80, 0x90, 0xa0];
  for (const a of tails) {
    if (isUtf8(Buffer.from([...prefix, a]))) return true;
    for (const b of tails) {
      if (isUtf8(Buffer.from([...prefix, a, b]))) return true;
      for (const c of tails) if (isUtf8(Buffer.from([...prefix, a, b, c]))) return true;
    }
  }
  return false;
}

const VALID: [string, string][] = [
  ['U+0000', '00'],
  ['U+0041 A', '41'],
  ['U+007F', '7f'],
  ['U+0080 (smallest 2-byte)', 'c2 80'],
  ['U+00E9 é', 'c3 a9'],
  ['U+07FF (largest 2-byte)', 'df bf'],
  ['U+0800 (smallest 3-byte)', 'e0 a0 80'],
  ['U+20AC €', 'e2 82 ac'],
  ['U+D7FF (below surrogates)', 'ed 9f bf'],
  ['U+E000 (above surrogates)', 'ee 80 80'],
  ['U+FFFD', 'ef bf bd'],
  ['U+FFFF (largest 3-byte)', 'ef bf bf'],
  ['U+10000 (smallest 4-byte)', 'f0 90 80 80'],
  ['U+1F600 😀', 'f0 9f 98 80'],
  ['U+10FFFF (largest code point)', 'f4 8f bf bf'],
];

/** Invalid inputs and the index of the first byte at which no valid continuation exists. */
const INVALID: [string, string, number][] = [
  ['overlong 2-byte NUL', 'c0 80', 0],
  ['overlong 2-byte C1', 'c1 bf', 0],
  ['overlong 3-byte NUL', 'e0 80 80', 1],
  ['overlong 3-byte U+07FF', 'e0 9f bf', 1],
  ['overlong 4-byte NUL', 'f0 80 80 80', 1],
  ['overlong 4-byte U+FFFF', 'f0 8f bf bf', 1],
  ['high surrogate U+D800', 'ed a0 80', 1],
  ['low surrogate U+DFFF', 'ed bf bf', 1],
  ['U+110000 (above U+10FFFF)', 'f4 90 80 80', 1],
  ['lone continuation 80', '80', 0],
  ['lone continuation BF', 'bf', 0],
  ['continuation after ASCII', '41 80', 1],
  ['2-byte lead followed by ASCII', 'c3 41', 1],
  ['3-byte lead cut by ASCII', 'e2 82 41', 2],
  ['4-byte lead cut by ASCII', 'f0 9f 98 41', 3],
  ['extra continuation after a complete code point', 'c3 a9 a9', 2],
  ['F5', 'f5 80 80 80', 0],
  ['F8 (5-byte form)', 'f8 88 80 80 80', 0],
  ['FC (6-byte form)', 'fc 84 80 80 80 80', 0],
  ['FE', 'fe', 0],
  ['FF', 'ff', 0],
];

describe('Utf8Validator: valid input', () => {
  it.each(VALID)('%s is accepted whole', (_name, bytes) => {
    expect(validInChunks([hex(bytes)])).toBe(true);
  });

  it.each(VALID)('%s is accepted when split at every position and surrounded by text', (_name, bytes) => {
    const seq = hex(`61 ${bytes} ${bytes} 62`);
    for (let a = 0; a <= seq.length; a++) {
      for (let b = a; b <= seq.length; b++) {
        expect(validInChunks(splitAt(seq, [a, b])), `cuts ${a},${b} of ${toHex(seq)}`).toBe(true);
      }
    }
    expect(validInChunks(Array.from(seq, (x) => new Uint8Array([x])))).toBe(true);
  });

  it('accepts an empty push and is complete', () => {
    const v = new Utf8Validator();
    expect(v.push(new Uint8Array(0))).toBe(true);
    expect(v.isComplete()).toBe(true);
  });

  it('validates only bytes[start, end)', () => {
    const v = new Utf8Validator();
    const bytes = hex('ff 41 e2 82 ac 42 ff');
    expect(v.push(bytes, 1, 6)).toBe(true);
    expect(v.isComplete()).toBe(true);
    expect(v.push(bytes, 0, 1)).toBe(false);
  });

  it('keeps a partial code point between pushes given as sub-ranges', () => {
    const v = new Utf8Validator();
    const bytes = hex('41 f0 9f 98 80');
    expect(v.push(bytes, 0, 3)).toBe(true);
    expect(v.isComplete()).toBe(false);
    expect(v.push(bytes, 3, 5)).toBe(true);
    expect(v.isComplete()).toBe(true);
  });
});

describe('Utf8Validator: invalid input fails fast', () => {
  it.each(INVALID)('%s (%s) is rejected whole', (_name, bytes) => {
    const v = new Utf8Validator();
    expect(v.push(hex(bytes))).toBe(false);
  });

  it.each(INVALID)('%s (%s) fed byte by byte is rejected at byte %i', (_name, bytes, at) => {
    const seq = hex(bytes);
    const v = new Utf8Validator();
    expect(firstRejectedChunk(v, Array.from(seq, (x) => new Uint8Array([x])))).toBe(at);
  });

  it.each(INVALID)('%s (%s) is rejected in the chunk holding byte %i, for every 2-way split', (_name, bytes, at) => {
    const seq = hex(bytes);
    for (let cut = 0; cut <= seq.length; cut++) {
      const v = new Utf8Validator();
      expect(firstRejectedChunk(v, [seq.subarray(0, cut), seq.subarray(cut)]), `cut at ${cut}`).toBe(at < cut ? 0 : 1);
    }
  });

  it('rejects every byte from F5 to FF at once, even as the last byte of a chunk', () => {
    for (let b = 0xf5; b <= 0xff; b++) {
      expect(new Utf8Validator().push(new Uint8Array([b])), b.toString(16)).toBe(false);
      expect(new Utf8Validator().push(new Uint8Array([0x41, b])), b.toString(16)).toBe(false);
    }
  });

  it.each([
    ['2-byte', 'c3'],
    ['3-byte, 1 of 3', 'e2'],
    ['3-byte, 2 of 3', 'e2 82'],
    ['4-byte, 1 of 4', 'f0'],
    ['4-byte, 2 of 4', 'f0 9f'],
    ['4-byte, 3 of 4', 'f0 9f 98'],
  ])('a %s sequence truncated at the end (%s) is accepted so far but not complete', (_name, bytes) => {
    const v = new Utf8Validator();
    expect(v.push(hex(`41 ${bytes}`))).toBe(true);
    expect(v.isComplete()).toBe(false);
  });

  it('reset() forgets a partial code point', () => {
    const v = new Utf8Validator();
    expect(v.push(hex('e2 82'))).toBe(true);
    v.reset();
    expect(v.isComplete()).toBe(true);
    // Without the reset, 41 would be a bad continuation byte.
    expect(v.push(hex('41'))).toBe(true);
  });

  it('reset() forgets the narrowed range after E0', () => {
    const v = new Utf8Validator();
    expect(v.push(hex('e0'))).toBe(true);
    v.reset();
    expect(v.push(hex('e1 80 80'))).toBe(true);
    expect(v.isComplete()).toBe(true);
  });
});

describe('isValidUtf8', () => {
  it('agrees with the incremental validator on whole inputs', () => {
    expect(isValidUtf8(utf8('héllo €😀'))).toBe(true);
    expect(isValidUtf8(hex('ed a0 80'))).toBe(false);
    expect(isValidUtf8(hex('c3'))).toBe(false);
  });
});

describe('Utf8Validator properties', () => {
  /** Byte arrays that are often valid or nearly valid UTF-8, not only noise. */
  const utf8ish = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.string({ unit: 'binary', maxLength: 24 }).map((s) => utf8(s)),
    fc
      .tuple(fc.string({ unit: 'binary', maxLength: 16 }), fc.uint8Array({ minLength: 1, maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 16 }))
      .map(([a, noise, b]) => new Uint8Array([...utf8(a), ...noise, ...utf8(b)])),
    fc.array(fc.constantFrom(0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5), { maxLength: 16 }).map((a) => new Uint8Array(a)),
  );
  const withCuts = utf8ish.chain((bytes) =>
    fc.tuple(fc.constant(bytes), fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { maxLength: 8 })),
  );

  it('for any split into chunks, validity at the end equals buffer.isUtf8 of the whole', () => {
    fc.assert(
      fc.property(withCuts, ([bytes, cuts]) => {
        expect(validInChunks(splitAt(bytes, cuts))).toBe(isUtf8(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects exactly the chunk in which the input stops being a prefix of valid UTF-8', () => {
    fc.assert(
      fc.property(withCuts, ([bytes, cuts]) => {
        let firstBad = -1;
        for (let i = 1; i <= bytes.length; i++) {
          if (!isValidPrefix(bytes.subarray(0, i))) {
            firstBad = i - 1;
            break;
          }
        }
        const sorted = [...cuts].sort((a, b) => a - b);
        const chunks = splitAt(bytes, sorted);
        const rejected = firstRejectedChunk(new Utf8Validator(), chunks);
        if (firstBad === -1) {
          expect(rejected).toBe(-1);
        } else {
          // The chunk that holds byte `firstBad`, skipping empty chunks ending right there.
          let from = 0;
          let expected = -1;
          for (let k = 0; k < chunks.length; k++) {
            if (firstBad >= from && firstBad < from + chunks[k].length) {
              expected = k;
              break;
            }
            from += chunks[k].length;
          }
          expect(rejected).toBe(expected);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
