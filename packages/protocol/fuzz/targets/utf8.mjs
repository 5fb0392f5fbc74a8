// The codec's UTF-8 validator, streaming. Input: one byte of chunk seed, then the bytes.
// Oracles: fed in the seed's chunks, `push` for every chunk and `isComplete()` at the end says
// valid exactly when Node's `isUtf8` and a fatal TextDecoder do; and it fails fast but never
// early: while it accepts, what it has seen can still be completed into valid UTF-8, and once it
// refuses, it cannot.
import { isUtf8 } from 'node:buffer';
import { chunkCuts, pieces } from '../lib/chunks.mjs';
import { check } from '../lib/check.mjs';

const decoder = new TextDecoder('utf-8', { fatal: true });
/** Continuation bytes at the edges of every range RFC 3629 allows after a lead byte. */
const CONTINUATIONS = [0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf];

function decodes(bytes) {
  try {
    decoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Whether some 0–3 continuation bytes make `prefix` valid UTF-8. */
function completable(prefix) {
  if (isUtf8(prefix)) return true;
  const buf = new Uint8Array(prefix.length + 3);
  buf.set(prefix, 0);
  const n = prefix.length;
  for (const a of CONTINUATIONS) {
    buf[n] = a;
    if (isUtf8(buf.subarray(0, n + 1))) return true;
    for (const b of CONTINUATIONS) {
      buf[n + 1] = b;
      if (isUtf8(buf.subarray(0, n + 2))) return true;
      for (const c of CONTINUATIONS) {
        buf[n + 2] = c;
        if (isUtf8(buf.subarray(0, n + 3))) return true;
      }
    }
  }
  return false;
}

export function utf8Target(codec) {
  return {
    name: 'utf8',
    configBytes: 1,
    dictionary: [[0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90], [0xc0, 0x80], [0xe0, 0x80], [0xef, 0xbf, 0xbf]].map((b) => new Uint8Array(b)),
    run(input) {
      const bytes = input.subarray(1);
      const valid = isUtf8(bytes);
      check(decodes(bytes) === valid, 'TextDecoder and isUtf8 disagree');
      check(codec.isValidUtf8(bytes) === valid, 'isValidUtf8 disagrees with isUtf8');

      const validator = new codec.Utf8Validator();
      const cuts = chunkCuts(input[0] ?? 0, bytes.length);
      let seen = 0;
      let accepted = true;
      for (const piece of pieces(bytes, cuts)) {
        seen += piece.length;
        if (!validator.push(piece)) {
          accepted = false;
          break;
        }
      }
      check(accepted ? completable(bytes.subarray(0, seen)) : !completable(bytes.subarray(0, seen)), () =>
        accepted ? 'accepted a prefix no bytes can complete' : `refused a prefix that can still be completed (after ${seen} bytes)`,
      );
      check((accepted && validator.isComplete()) === valid, () => `streaming says ${accepted && validator.isComplete()}, isUtf8 says ${valid}`);

      // One push of the whole, at an offset (the start/end arguments).
      const offset = new Uint8Array(bytes.length + 2);
      offset.set(bytes, 1);
      const again = new codec.Utf8Validator();
      check((again.push(offset, 1, 1 + bytes.length) && again.isComplete()) === valid, 'push(bytes, start, end) disagrees with isUtf8');
    },
  };
}
