// Utf8Check takes a fast path (isUtf8) while the pieces are whole; its answers must stay those
// of the streaming fatal decoder alone, piece by piece and at the end, however text is cut.
import { describe, expect, it } from 'vitest';
import { Utf8Check } from '../src/utf8-check.mjs';

/** The answers of the decoder alone: one per piece, then the end. @param {Uint8Array[]} pieces */
function decoderAnswers(pieces) {
  const d = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let rejected = false;
  const out = pieces.map((p) => {
    if (rejected) return p.length === 0;
    try {
      d.decode(p, { stream: true });
      return true;
    } catch {
      rejected = true;
      return false;
    }
  });
  let end = !rejected;
  if (end) {
    try {
      d.decode();
    } catch {
      end = false;
    }
  }
  return [...out, end];
}

/** @param {Uint8Array[]} pieces */
function checkAnswers(pieces) {
  const c = new Utf8Check();
  return [...pieces.map((p) => c.push(p)), c.end()];
}

const b = (/** @type {number[]} */ ...x) => Uint8Array.from(x);
const text = (/** @type {string} */ s) => new TextEncoder().encode(s);

describe('Utf8Check', () => {
  it('accepts whole text, and text cut inside code points', () => {
    expect(checkAnswers([text('héllo €'), text('𝄞')])).toEqual([true, true, true]);
    expect(checkAnswers([b(0xe2, 0x82), b(0xac, 0x41)])).toEqual([true, true, true]);
  });

  it('fails at the piece with the invalid byte, and stays failed', () => {
    expect(checkAnswers([text('ok'), b(0xed, 0xa0, 0x80), text('ok'), b()])).toEqual([true, false, false, true, false]);
    expect(checkAnswers([b(0xc0, 0xaf)])).toEqual([false, false]);
  });

  it('fails at the end when the text ends inside a code point', () => {
    expect(checkAnswers([text('ok'), b(0xf0, 0x9d)])).toEqual([true, true, false]);
  });

  it('answers as the decoder alone for random cuts of valid and invalid sequences', () => {
    const samples = [text('héllo wörld €𝄞 ok'), b(0xed, 0xa0, 0x80), b(0xf4, 0x90, 0x80, 0x80), b(0xc0, 0xaf), text('abc'), b(0xe2, 0x82)];
    let seed = 7;
    const rand = (/** @type {number} */ n) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 16) % n;
    };
    for (let i = 0; i < 5000; i++) {
      const bytes = [];
      for (let k = 1 + rand(4); k > 0; k--) bytes.push(...samples[rand(samples.length)]);
      /** @type {Uint8Array[]} */
      const pieces = [];
      for (let pos = 0; pos < bytes.length; ) {
        const len = rand(6);
        pieces.push(Uint8Array.from(bytes.slice(pos, pos + len)));
        pos += len;
      }
      expect(checkAnswers(pieces), `pieces ${JSON.stringify(pieces.map((p) => [...p]))}`).toEqual(decoderAnswers(pieces));
    }
  });
});
