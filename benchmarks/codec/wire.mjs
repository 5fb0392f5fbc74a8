// A small, neutral RFC 6455 frame writer and reader (final, unfragmented frames only): it
// builds the benchmark's input and checks what both codecs produce.
import { randomFillSync } from 'node:crypto';

/** Size of a frame header for `length` payload bytes. */
export function headerSize(length, masked) {
  return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}

/** Writes one final frame of `payload` at `dst[offset]`, masked with a random key when `masked`. Returns the end offset. */
export function writeFrame(dst, offset, opcode, payload, masked) {
  const length = payload.length;
  dst[offset] = 0x80 | opcode;
  let o = offset + 2;
  const maskBit = masked ? 0x80 : 0;
  if (length < 126) {
    dst[offset + 1] = maskBit | length;
  } else if (length < 0x10000) {
    dst[offset + 1] = maskBit | 126;
    dst.writeUInt16BE(length, o);
    o += 2;
  } else {
    dst[offset + 1] = maskBit | 127;
    dst.writeUInt32BE(Math.floor(length / 0x100000000), o);
    dst.writeUInt32BE(length >>> 0, o + 4);
    o += 8;
  }
  if (!masked) {
    dst.set(payload, o);
    return o + length;
  }
  const key = o;
  randomFillSync(dst, key, 4);
  o += 4;
  for (let i = 0; i < length; i++) dst[o + i] = payload[i] ^ dst[key + (i & 3)];
  return o + length;
}

/**
 * Reads the one frame that `bytes` must hold exactly. Returns { fin, rsv1, opcode, masked,
 * payload } with the payload unmasked (a copy), or throws when the bytes are not one frame.
 */
export function readFrame(bytes) {
  if (bytes.length < 2) throw new Error('frame shorter than a header');
  const b0 = bytes[0];
  const b1 = bytes[1];
  const masked = (b1 & 0x80) !== 0;
  let length = b1 & 0x7f;
  let o = 2;
  if (length === 126) {
    length = bytes.readUInt16BE(2);
    o = 4;
  } else if (length === 127) {
    length = bytes.readUInt32BE(2) * 0x100000000 + bytes.readUInt32BE(6);
    o = 10;
  }
  const key = o;
  if (masked) o += 4;
  if (bytes.length !== o + length) throw new Error(`frame of ${bytes.length} bytes announces ${o + length}`);
  const payload = Buffer.from(bytes.subarray(o));
  if (masked) for (let i = 0; i < length; i++) payload[i] ^= bytes[key + (i & 3)];
  return { fin: (b0 & 0x80) !== 0, rsv1: (b0 & 0x40) !== 0, opcode: b0 & 0x0f, masked, payload };
}
