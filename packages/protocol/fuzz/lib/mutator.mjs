// Mutations of one input, libFuzzer-style (a few stacked per child), plus WebSocket-aware ones
// for targets whose input holds frames: header bits, opcodes, interesting values in the length
// field, whole frames copied or spliced at frame boundaries. "Re-chunking" is a mutation of
// the target's config bytes, which hold its chunk seed.
import { frameHeaders, lengthField } from './wire.mjs';

const INTERESTING_BYTES = [0x00, 0x01, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0xbf, 0xc0, 0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xfe, 0xff];
/** Frame lengths around the encodings' edges and the fuzz limits (64 KiB payload, 2^63). */
const INTERESTING_LENGTHS = [0, 1, 2, 124, 125, 126, 127, 255, 256, 300, 1024, 65535, 65536, 65537, 2 ** 31, 2 ** 32, 2 ** 53, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
const OPCODES = [0x0, 0x1, 0x2, 0x3, 0x7, 0x8, 0x9, 0xa, 0xb, 0xf];

function splice(bytes, at, remove, insert) {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

export class Mutator {
  /**
   * @param {object} target `configBytes` (leading bytes of options and chunk seed), `frameOffset`
   * (where frames start; undefined for inputs that are not frames), `dictionary` (strings or bytes).
   * @param {number} maxLength longest input made.
   */
  constructor(target, maxLength) {
    this.configBytes = target.configBytes ?? 0;
    this.frameOffset = target.frameOffset;
    this.dictionary = (target.dictionary ?? []).map((d) => (typeof d === 'string' ? new Uint8Array(Buffer.from(d, 'latin1')) : d));
    this.maxLength = maxLength;
    this.ops = [
      this.flipBit,
      this.setByte,
      this.addToByte,
      this.insertBytes,
      this.deleteRange,
      this.duplicateRange,
      this.truncate,
      this.spliceOther,
      this.rechunk,
    ];
    if (this.dictionary.length > 0) this.ops.push(this.insertWord, this.insertWord);
    if (this.frameOffset !== undefined) this.ops.push(this.frameBits, this.frameBits, this.frameLength, this.frameLength, this.copyFrame, this.spliceFrames);
  }

  /** A child of `parent`: 1–4 stacked mutations; `other` is another corpus entry for splicing. */
  mutate(rng, parent, other) {
    let bytes = parent;
    const count = 1 + rng.below(4);
    for (let i = 0; i < count; i++) {
      const next = rng.pick(this.ops).call(this, rng, bytes, other);
      if (next !== undefined) bytes = next;
    }
    if (bytes === parent) bytes = this.flipBit(rng, parent);
    if (bytes.length > this.maxLength) bytes = bytes.slice(0, this.maxLength);
    return bytes;
  }

  /** A position in the body (after the config bytes), or in the whole input when it has no body. */
  bodyAt(rng, bytes, end = bytes.length) {
    const from = Math.min(this.configBytes, end);
    return from + rng.below(end - from + 1);
  }

  flipBit(rng, bytes) {
    if (bytes.length === 0) return new Uint8Array([rng.below(256)]);
    const out = bytes.slice();
    out[rng.below(out.length)] ^= 1 << rng.below(8);
    return out;
  }

  setByte(rng, bytes) {
    if (bytes.length === 0) return undefined;
    const out = bytes.slice();
    out[rng.below(out.length)] = rng.oneIn(2) ? rng.pick(INTERESTING_BYTES) : rng.below(256);
    return out;
  }

  addToByte(rng, bytes) {
    if (bytes.length === 0) return undefined;
    const out = bytes.slice();
    const at = rng.below(out.length);
    out[at] = (out[at] + (rng.oneIn(2) ? 1 : -1) * (1 + rng.below(8))) & 0xff;
    return out;
  }

  insertBytes(rng, bytes) {
    const n = 1 + rng.below(rng.oneIn(4) ? 64 : 8);
    const insert = new Uint8Array(n);
    const fill = rng.oneIn(2) ? rng.below(256) : -1;
    for (let i = 0; i < n; i++) insert[i] = fill >= 0 ? fill : rng.below(256);
    return splice(bytes, this.bodyAt(rng, bytes), 0, insert);
  }

  deleteRange(rng, bytes) {
    if (bytes.length <= this.configBytes) return undefined;
    const at = this.bodyAt(rng, bytes, bytes.length - 1);
    return splice(bytes, at, 1 + rng.below(Math.min(bytes.length - at, 32)), new Uint8Array(0));
  }

  duplicateRange(rng, bytes) {
    if (bytes.length <= this.configBytes) return undefined;
    const from = this.bodyAt(rng, bytes, bytes.length - 1);
    const n = 1 + rng.below(Math.min(bytes.length - from, 128));
    return splice(bytes, this.bodyAt(rng, bytes), 0, bytes.slice(from, from + n));
  }

  truncate(rng, bytes) {
    if (bytes.length <= this.configBytes) return undefined;
    return bytes.slice(0, this.bodyAt(rng, bytes, bytes.length - 1));
  }

  /** The start of one input and the end of another, cut at random points. */
  spliceOther(rng, bytes, other) {
    if (other === undefined) return undefined;
    const a = this.bodyAt(rng, bytes);
    const b = this.bodyAt(rng, other);
    const out = new Uint8Array(a + other.length - b);
    out.set(bytes.subarray(0, a), 0);
    out.set(other.subarray(b), a);
    return out;
  }

  /** New options or chunk seed: the same body, fed in other read sizes. */
  rechunk(rng, bytes) {
    if (this.configBytes === 0 || bytes.length === 0) return undefined;
    const out = bytes.slice();
    const at = rng.below(Math.min(this.configBytes, out.length));
    out[at] = rng.oneIn(2) ? rng.below(256) : out[at] ^ (1 << rng.below(8));
    return out;
  }

  insertWord(rng, bytes) {
    return splice(bytes, this.bodyAt(rng, bytes), 0, rng.pick(this.dictionary));
  }

  // ---- frame-aware ---------------------------------------------------------------------

  frames(bytes) {
    return frameHeaders(bytes, this.frameOffset);
  }

  /** FIN, RSV1–3, the mask bit, or the opcode of one frame. */
  frameBits(rng, bytes) {
    const headers = this.frames(bytes);
    if (headers.length === 0) return undefined;
    const h = rng.pick(headers);
    const out = bytes.slice();
    switch (rng.below(4)) {
      case 0:
        out[h.at] ^= 0x80; // FIN
        break;
      case 1:
        out[h.at] ^= rng.pick([0x40, 0x40, 0x20, 0x10]); // RSV1 mostly (compression), RSV2/3
        break;
      case 2:
        out[h.lengthAt] ^= 0x80; // MASK
        break;
      default:
        out[h.at] = (out[h.at] & 0xf0) | rng.pick(OPCODES);
    }
    return out;
  }

  /** An interesting length in one frame's length field, in the 7-, 16- or 64-bit encoding. */
  frameLength(rng, bytes) {
    const headers = this.frames(bytes);
    if (headers.length === 0) return undefined;
    const h = rng.pick(headers);
    let length = rng.pick(INTERESTING_LENGTHS);
    if (rng.oneIn(3)) length = bytes.length - h.payloadAt + rng.below(5) - 2; // "about what is left"
    if (typeof length === 'number' && length < 0) length = 0;
    const big = BigInt(length);
    const lengthBytes = big <= 125n && !rng.oneIn(8) ? 1 : big < 0x10000n && !rng.oneIn(8) ? 3 : 9;
    const field = lengthField(lengthBytes === 1 ? Number(big) : lengthBytes === 3 ? Number(big & 0xffffn) : big, lengthBytes, h.masked);
    return splice(bytes, h.lengthAt, h.lengthBytes, new Uint8Array(field));
  }

  /** One whole frame again, right after itself or somewhere else at a frame boundary. */
  copyFrame(rng, bytes) {
    const headers = this.frames(bytes).filter((h) => h.payloadAt + h.length <= bytes.length);
    if (headers.length === 0) return undefined;
    const h = rng.pick(headers);
    const frame = bytes.slice(h.at, h.payloadAt + h.length);
    const boundaries = headers.map((x) => x.at).concat(bytes.length);
    const at = rng.oneIn(2) ? h.at : rng.pick(boundaries);
    const times = rng.oneIn(4) ? 2 + rng.below(20) : 1;
    let out = bytes;
    for (let i = 0; i < times; i++) out = splice(out, at, 0, frame);
    return out;
  }

  /** Frames of this input up to a boundary, then frames of another from one of its boundaries. */
  spliceFrames(rng, bytes, other) {
    if (other === undefined) return undefined;
    const mine = this.frames(bytes).map((h) => h.at).concat(bytes.length);
    const theirs = this.frames(other).map((h) => h.at);
    if (theirs.length === 0) return undefined;
    const a = rng.pick(mine);
    const b = rng.pick(theirs);
    const out = new Uint8Array(a + other.length - b);
    out.set(bytes.subarray(0, a), 0);
    out.set(other.subarray(b), a);
    return out;
  }
}
