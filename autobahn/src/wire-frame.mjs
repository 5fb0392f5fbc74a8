// @ts-check
// Frames exactly as the fuzzer puts them on the wire: any opcode, any RSV bits, FIN or not,
// masked (the fuzzer as a client) or not (the fuzzer as a server), and a payload that may be a
// short pattern repeated up to a declared length (how the suite builds multi-megabyte payloads
// without holding a literal of that size).
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';

/**
 * @typedef {object} FrameSpec
 * @property {number} opcode         0–15; reserved ones are sent as asked
 * @property {Uint8Array} [payload]  bytes, or the pattern when `payloadLen` is given
 * @property {boolean} [fin]         default true
 * @property {number} [rsv]          0–7, the three RSV bits as one number (4 = RSV1)
 * @property {number} [payloadLen]   repeat `payload` until this many bytes
 */

/**
 * Repeats `pattern` to exactly `length` bytes (whole copies, then a prefix of it).
 * @param {Uint8Array} pattern
 * @param {number} length
 */
export function repeatToLength(pattern, length) {
  if (pattern.length === 0) throw new Error('cannot repeat an empty pattern');
  const out = Buffer.allocUnsafe(length);
  let filled = Math.min(pattern.length, length);
  out.set(pattern.subarray(0, filled), 0);
  // Doubling copies: log(n) memcpy calls even for 16 MiB.
  while (filled < length) {
    const n = Math.min(filled, length - filled);
    out.copyWithin(filled, 0, n);
    filled += n;
  }
  return out;
}

/** Bytes of the header for a payload of `length` bytes, masked or not. */
function headerSize(/** @type {number} */ length, /** @type {boolean} */ masked) {
  return 2 + (length <= 125 ? 0 : length <= 0xffff ? 2 : 8) + (masked ? 4 : 0);
}

/**
 * Writes a frame header into `out` at 0 and returns its size.
 * @param {Buffer} out @param {number} opcode @param {boolean} fin @param {number} rsv
 * @param {number} length @param {Uint8Array | null} maskKey
 */
function writeHeader(out, opcode, fin, rsv, length, maskKey) {
  const ext = length <= 125 ? 0 : length <= 0xffff ? 2 : 8;
  const maskBit = maskKey ? 0x80 : 0;
  out[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  if (ext === 0) out[1] = maskBit | length;
  else if (ext === 2) {
    out[1] = maskBit | 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = maskBit | 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  if (maskKey) out.set(maskKey, 2 + ext);
  return 2 + ext + (maskKey ? 4 : 0);
}

/**
 * The header of a frame (2–14 bytes) for a payload of `length` bytes: masked with `maskKey`
 * (client frames), or unmasked when it is null (server frames).
 * @param {number} opcode
 * @param {boolean} fin
 * @param {number} rsv
 * @param {number} length
 * @param {Uint8Array | null} maskKey
 */
export function encodeHeader(opcode, fin, rsv, length, maskKey) {
  const head = Buffer.allocUnsafe(headerSize(length, maskKey !== null));
  writeHeader(head, opcode, fin, rsv, length, maskKey);
  return head;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * XOR-masks `data` with `key` into `out` at `at`, starting at key position `offset` (so a
 * frame's payload can be masked in pieces that are sent at different times). Four bytes per
 * step where the positions allow it: 1 GB and more of masking per compression run.
 * @param {Uint8Array} data @param {Uint8Array} key @param {number} offset @param {Buffer} out @param {number} at
 */
function maskInto(data, key, offset, out, at) {
  const n = data.length;
  let i = 0;
  // Bytewise until the output is 4-aligned, then 32-bit words with the key rotated to match.
  while (i < n && ((out.byteOffset + at + i) & 3) !== 0) {
    out[at + i] = data[i] ^ key[(offset + i) & 3];
    i++;
  }
  if (LITTLE_ENDIAN && n - i >= 16 && ((data.byteOffset + i) & 3) === 0) {
    const k = offset + i;
    // Little-endian word of the key bytes in the order they meet the data from position k.
    const word = (key[k & 3] | (key[(k + 1) & 3] << 8) | (key[(k + 2) & 3] << 16) | (key[(k + 3) & 3] << 24)) >>> 0;
    const words = (n - i) >>> 2;
    const src = new Uint32Array(data.buffer, data.byteOffset + i, words);
    const dst = new Uint32Array(out.buffer, out.byteOffset + at + i, words);
    for (let w = 0; w < words; w++) dst[w] = src[w] ^ word;
    i += words << 2;
  }
  for (; i < n; i++) out[at + i] = data[i] ^ key[(offset + i) & 3];
}

/**
 * Unmasks (or masks) `data` in place with `key`.
 * @param {Buffer} data @param {Uint8Array} key
 */
export function maskInPlace(data, key) {
  maskInto(data, key, 0, data, 0);
}

/**
 * XOR-masks `data` with `key`, starting at key position `offset` (so a frame's payload can be
 * masked in pieces that are sent at different times).
 * @param {Uint8Array} data
 * @param {Uint8Array} key
 * @param {number} offset
 */
export function maskCopy(data, key, offset) {
  const out = Buffer.allocUnsafe(data.length);
  maskInto(data, key, offset, out, 0);
  return out;
}

// Masking keys come from a pool filled by one randomBytes call: a key per frame, and the
// compression cases send up to 500 frames per message.
const KEY_POOL_SIZE = 64 * 1024;
let keyPool = Buffer.alloc(0);
let keyAt = 0;

/** @returns {Buffer} a fresh random 4-byte masking key */
export function newMaskKey() {
  if (keyAt + 4 > keyPool.length) {
    keyPool = randomBytes(KEY_POOL_SIZE);
    keyAt = 0;
  }
  keyAt += 4;
  return keyPool.subarray(keyAt - 4, keyAt);
}

/**
 * One whole frame in one buffer, masked with a fresh key unless `masked` is false.
 * @param {FrameSpec} spec
 * @param {boolean} [masked]  default true (the fuzzer as a client)
 */
export function encodeFrame(spec, masked = true) {
  const pattern = spec.payload ?? Buffer.alloc(0);
  const payload = spec.payloadLen === undefined ? pattern : repeatToLength(pattern, spec.payloadLen);
  const key = masked ? newMaskKey() : null;
  const out = Buffer.allocUnsafe(headerSize(payload.length, masked) + payload.length);
  const at = writeHeader(out, spec.opcode, spec.fin ?? true, spec.rsv ?? 0, payload.length, key);
  if (key) maskInto(payload, key, 0, out, at);
  else out.set(payload, at);
  return out;
}
