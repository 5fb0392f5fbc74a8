import { randomFillSync } from 'node:crypto';

/** Typed-array words are in platform byte order; the mask word must be built to match. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A faster XOR for large payloads, e.g. native code: XORs all of `data` with the 4 key bytes
 * held in `maskWord` in memory order (payload byte i with key byte i % 4).
 */
export type UnmaskAccelerator = (data: Uint8Array, maskWord: number) => void;

let accelerator: UnmaskAccelerator | undefined;
let acceleratorMinBytes = Infinity;
/** Payload pieces from which an accelerator passed to {@link unmaskInPlace} is used: a native call's fixed cost is repaid there. */
export const UNMASK_ACCELERATOR_MIN_BYTES = 4096;

/**
 * Plugs a faster XOR in for payload pieces of at least `minBytes` (default 4096, where a
 * native call's fixed cost is repaid); `undefined` goes back to the JavaScript loop. A
 * process-wide fallback, like ws's optional bufferutil, for connections made without an
 * `unmask` option (`ConnectionOptions.unmask`, which is preferred: it is passed in, not global).
 */
export function setUnmaskAccelerator(fn: UnmaskAccelerator | undefined, minBytes = UNMASK_ACCELERATOR_MIN_BYTES): void {
  accelerator = fn;
  acceleratorMinBytes = fn === undefined ? Infinity : Math.max(64, minBytes);
}

/** A word whose bytes, in memory order, are the mask rotated to `phase`. */
function maskWord(mask: Uint8Array, maskOff: number, phase: number): number {
  const b0 = mask[maskOff + (phase & 3)];
  const b1 = mask[maskOff + ((phase + 1) & 3)];
  const b2 = mask[maskOff + ((phase + 2) & 3)];
  const b3 = mask[maskOff + ((phase + 3) & 3)];
  return LITTLE_ENDIAN ? b0 | (b1 << 8) | (b2 << 16) | (b3 << 24) : (b0 << 24) | (b1 << 16) | (b2 << 8) | b3;
}

/** Word views are cached for buffers up to this size (a socket chunk, a receive arena). */
const VIEW_CACHE_MAX_BYTES = 4 * 1024 * 1024;
let viewBuffer: ArrayBufferLike | undefined;
let viewWords: Int32Array | undefined;

/**
 * An Int32Array over the whole of `buffer` (its tail bytes excluded). Consecutive frames of
 * one input chunk share one view instead of allocating one each; large buffers are not kept
 * alive by the cache.
 */
function wordsOf(buffer: ArrayBufferLike): Int32Array {
  if (buffer === viewBuffer) return viewWords!;
  const words = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
  if (buffer.byteLength <= VIEW_CACHE_MAX_BYTES) {
    viewBuffer = buffer;
    viewWords = words;
  }
  return words;
}

/**
 * XORs `data[start, end)` in place with the 4-byte `mask`, starting at mask position `phase`
 * (0–3) so a payload that arrives in pieces is unmasked piece by piece. Returns the phase for
 * the next piece. `fast`, when given, does pieces of at least
 * {@link UNMASK_ACCELERATOR_MIN_BYTES} (default: the process-wide {@link setUnmaskAccelerator}).
 */
export function unmaskInPlace(
  data: Uint8Array,
  start: number,
  end: number,
  mask: Uint8Array,
  maskOff: number,
  phase: number,
  fast?: UnmaskAccelerator,
): number {
  const m0 = mask[maskOff + (phase & 3)];
  const m1 = mask[maskOff + ((phase + 1) & 3)];
  const m2 = mask[maskOff + ((phase + 2) & 3)];
  const m3 = mask[maskOff + ((phase + 3) & 3)];
  let i = start;
  const len = end - start;
  if (fast !== undefined ? len >= UNMASK_ACCELERATOR_MIN_BYTES : len >= acceleratorMinBytes) {
    (fast ?? accelerator)!(data.subarray(start, end), maskWord(mask, maskOff, phase));
    return (phase + len) & 3;
  }
  if (len >= 64) {
    // Word-wise over the 4-byte-aligned middle: the byte loop alone is ~4x slower on big frames.
    const abs = data.byteOffset + i;
    const lead = (4 - (abs & 3)) & 3;
    for (let k = 0; k < lead; k++, i++) data[i] ^= mask[maskOff + ((phase + (i - start)) & 3)];
    const words = (end - i) >>> 2;
    const p = (phase + (i - start)) & 3;
    const w = maskWord(mask, maskOff, p);
    const u32 = wordsOf(data.buffer);
    let k = (data.byteOffset + i) >>> 2;
    const stop = k + words;
    // Unrolled: V8 does not vectorize, and 8 words per iteration run ~2.5x faster than 1.
    for (const stop8 = stop - 7; k < stop8; k += 8) {
      u32[k] ^= w;
      u32[k + 1] ^= w;
      u32[k + 2] ^= w;
      u32[k + 3] ^= w;
      u32[k + 4] ^= w;
      u32[k + 5] ^= w;
      u32[k + 6] ^= w;
      u32[k + 7] ^= w;
    }
    for (; k < stop; k++) u32[k] ^= w;
    i += words << 2;
    for (; i < end; i++) data[i] ^= mask[maskOff + ((phase + (i - start)) & 3)];
    return (phase + len) & 3;
  }
  const stop4 = start + (len & ~3);
  for (; i < stop4; i += 4) {
    data[i] ^= m0;
    data[i + 1] ^= m1;
    data[i + 2] ^= m2;
    data[i + 3] ^= m3;
  }
  if (i < end) data[i++] ^= m0;
  if (i < end) data[i++] ^= m1;
  if (i < end) data[i] ^= m2;
  return (phase + len) & 3;
}

/**
 * Copies `src` into `dst` at `offset`, XORed with the key at `mask[maskOff..+4]` (client frames
 * never mask user data in place).
 */
export function maskInto(src: Uint8Array, dst: Uint8Array, offset: number, mask: Uint8Array, maskOff: number): void {
  const len = src.length;
  if (len >= 64) {
    dst.set(src, offset);
    unmaskInPlace(dst, offset, offset + len, mask, maskOff, 0);
    return;
  }
  const m0 = mask[maskOff];
  const m1 = mask[maskOff + 1];
  const m2 = mask[maskOff + 2];
  const m3 = mask[maskOff + 3];
  let i = 0;
  for (; i + 3 < len; i += 4) {
    dst[offset + i] = src[i] ^ m0;
    dst[offset + i + 1] = src[i + 1] ^ m1;
    dst[offset + i + 2] = src[i + 2] ^ m2;
    dst[offset + i + 3] = src[i + 3] ^ m3;
  }
  for (; i < len; i++) dst[offset + i] = src[i] ^ mask[maskOff + (i & 3)];
}

const POOL_SIZE = 8192;
let pool: Uint8Array | undefined;
let poolOffset = POOL_SIZE;

/**
 * Writes a fresh, cryptographically random 4-byte masking key (RFC 6455 §5.3) at
 * `dst[offset]`. Keys come from a pool filled by the CSPRNG 2048 keys at a time, so masking
 * costs no syscall and no allocation per frame.
 */
export function writeRandomMaskKey(dst: Uint8Array, offset: number): void {
  if (poolOffset === POOL_SIZE) {
    pool ??= new Uint8Array(POOL_SIZE);
    randomFillSync(pool);
    poolOffset = 0;
  }
  const p = pool!;
  dst[offset] = p[poolOffset];
  dst[offset + 1] = p[poolOffset + 1];
  dst[offset + 2] = p[poolOffset + 2];
  dst[offset + 3] = p[poolOffset + 3];
  poolOffset += 4;
}
