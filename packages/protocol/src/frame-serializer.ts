import { maskInto, writeRandomMaskKey } from './mask.js';


/** Length of a frame header for a payload of `length` bytes. */
export function frameHeaderLength(length: number, masked: boolean): number {
  return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Writes a frame header at `dst[offset]` and returns the offset after it. With `masked`, a fresh
 * random key is written as the header's last 4 bytes (the caller masks the payload with it).
 * Writes straight into a caller's buffer, e.g. a shared send arena.
 */
export function writeFrameHeader(
  dst: Uint8Array,
  offset: number,
  fin: boolean,
  rsv1: boolean,
  opcode: number,
  length: number,
  masked: boolean,
): number {
  dst[offset] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  const maskBit = masked ? 0x80 : 0;
  let o = offset + 2;
  if (length < 126) {
    dst[offset + 1] = maskBit | length;
  } else if (length < 0x10000) {
    dst[offset + 1] = maskBit | 126;
    dst[o] = length >>> 8;
    dst[o + 1] = length & 0xff;
    o += 2;
  } else {
    dst[offset + 1] = maskBit | 127;
    const hi = Math.floor(length / 0x100000000);
    const lo = length >>> 0;
    dst[o] = hi >>> 24;
    dst[o + 1] = (hi >>> 16) & 0xff;
    dst[o + 2] = (hi >>> 8) & 0xff;
    dst[o + 3] = hi & 0xff;
    dst[o + 4] = lo >>> 24;
    dst[o + 5] = (lo >>> 16) & 0xff;
    dst[o + 6] = (lo >>> 8) & 0xff;
    dst[o + 7] = lo & 0xff;
    o += 8;
  }
  if (masked) {
    writeRandomMaskKey(dst, o);
    o += 4;
  }
  return o;
}

/**
 * Preallocated 2-byte headers of final, unmasked, uncompressed text and binary frames with a
 * payload under 126 bytes, indexed by opcode then length: the common small server frame costs
 * no header allocation. They are shared: read-only for everyone.
 */
const SMALL_HEADERS: Buffer[][] = [];
for (const opcode of [0x1, 0x2]) {
  const table: Buffer[] = [];
  for (let length = 0; length < 126; length++) table.push(Buffer.from([0x80 | opcode, length]));
  SMALL_HEADERS[opcode] = table;
}

/** Options of {@link encodeFrame}. */
export interface EncodeFrameOptions {
  /** Last frame of the message. Default: true. */
  fin?: boolean;
  /** RSV1: the payload is compressed (permessage-deflate). Default: false. */
  rsv1?: boolean;
  /** Mask the payload with a random key (client role). Default: false. */
  mask?: boolean;
}

/**
 * Serializes one frame. Returns the chunks to write in order: [header, payload] for an unmasked
 * frame (the payload is referenced, not copied: a transport writes both with one writev, or
 * copies both into its send buffer once), one buffer for a masked frame (the payload has to be
 * copied to be masked anyway). The caller's payload is never modified. Returned chunks are
 * read-only: small headers are shared between frames.
 */
export function encodeFrame(opcode: number, payload: Uint8Array, options?: EncodeFrameOptions): Uint8Array[] {
  const fin = options?.fin ?? true;
  const rsv1 = options?.rsv1 ?? false;
  const masked = options?.mask ?? false;
  const length = payload.length;
  const headerLength = frameHeaderLength(length, masked);
  if (!masked) {
    if (length < 126 && fin && !rsv1 && (opcode === 0x1 || opcode === 0x2)) {
      const shared = SMALL_HEADERS[opcode][length];
      return length === 0 ? [shared] : [shared, payload];
    }
    const header = Buffer.allocUnsafe(headerLength);
    writeFrameHeader(header, 0, fin, rsv1, opcode, length, false);
    return length === 0 ? [header] : [header, payload];
  }
  const frame = Buffer.allocUnsafe(headerLength + length);
  const o = writeFrameHeader(frame, 0, fin, rsv1, opcode, length, masked);
  if (masked) maskInto(payload, frame, o, frame, o - 4);
  else frame.set(payload, o);
  return [frame];
}

/**
 * Serializes a text frame straight from a string: the UTF-8 bytes are encoded behind the header
 * in one buffer, with no intermediate copy.
 */
export function encodeTextFrame(text: string, options?: EncodeFrameOptions): Uint8Array[] {
  const fin = options?.fin ?? true;
  const rsv1 = options?.rsv1 ?? false;
  const masked = options?.mask ?? false;
  const length = Buffer.byteLength(text, 'utf8');
  const headerLength = frameHeaderLength(length, masked);
  const frame = Buffer.allocUnsafe(headerLength + length);
  const o = writeFrameHeader(frame, 0, fin, rsv1, 0x1, length, masked);
  frame.write(text, o, length, "utf8");
  if (masked) maskInto(frame.subarray(o), frame, o, frame, o - 4);
  return [frame];
}

/** Builds a close frame payload: 2-byte code + UTF-8 reason (empty when `code` is undefined). */
export function encodeClosePayload(code: number | undefined, reason = ''): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const reasonLength = Buffer.byteLength(reason, 'utf8');
  const payload = Buffer.allocUnsafe(2 + reasonLength);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.write(reason, 2, reasonLength, "utf8");
  return payload;
}
