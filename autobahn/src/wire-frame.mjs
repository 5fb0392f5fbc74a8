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
  const ext = length <= 125 ? 0 : length <= 0xffff ? 2 : 8;
  const maskBit = maskKey ? 0x80 : 0;
  const head = Buffer.allocUnsafe(2 + ext + (maskKey ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  if (ext === 0) head[1] = maskBit | length;
  else if (ext === 2) {
    head[1] = maskBit | 126;
    head.writeUInt16BE(length, 2);
  } else {
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  if (maskKey) head.set(maskKey, 2 + ext);
  return head;
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
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ key[(offset + i) & 3];
  return out;
}

/** @returns {Buffer} a fresh random 4-byte masking key */
export function newMaskKey() {
  return randomBytes(4);
}

/**
 * One whole frame, masked with a fresh key unless `masked` is false.
 * @param {FrameSpec} spec
 * @param {boolean} [masked]  default true (the fuzzer as a client)
 */
export function encodeFrame(spec, masked = true) {
  const pattern = spec.payload ?? Buffer.alloc(0);
  const payload = spec.payloadLen === undefined ? pattern : repeatToLength(pattern, spec.payloadLen);
  const key = masked ? newMaskKey() : null;
  const head = encodeHeader(spec.opcode, spec.fin ?? true, spec.rsv ?? 0, payload.length, key);
  return Buffer.concat([head, key ? maskCopy(payload, key, 0) : payload]);
}
