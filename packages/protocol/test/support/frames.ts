/**
 * Raw WebSocket frames built and decoded byte by byte, independently of the serializer and
 * parser under test, so tests can state exactly which bytes go on the wire.
 */

/** Parses a hex dump such as `"81 05 48 65"` (spaces optional). */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`bad hex: ${text}`);
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

/** Lower-case hex with a space between bytes, for readable assertion messages. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Concatenates byte arrays into a fresh one. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A fresh copy of `bytes[start, end)` as a plain Uint8Array. (`Buffer#slice` returns a view,
 * and `receive()` unmasks in place, so tests copy with this, never with `.slice`.)
 */
export function copyOf(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

/** A close frame payload: big-endian code, then the reason (a string or raw bytes). */
export function closePayload(code: number, reason: string | Uint8Array = ''): Uint8Array {
  const r = typeof reason === 'string' ? utf8(reason) : reason;
  return concat(new Uint8Array([code >>> 8, code & 0xff]), r);
}

/** The masking key of RFC 6455 §5.7's masked examples. */
export const RFC_MASK_KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

export interface RawFrame {
  opcode: number;
  payload?: Uint8Array | string;
  /** Default: true. */
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  /** A 4-byte masking key, or `true` for {@link RFC_MASK_KEY}. Default: unmasked. */
  mask?: Uint8Array | boolean;
  /** Length encoding to use even when a shorter one fits (7, 16 or 64 bits). Default: shortest. */
  lengthBits?: 7 | 16 | 64;
  /**
   * Length written in the header instead of the payload's; the payload bytes given are still
   * appended (use an empty payload to build a bare header).
   */
  declaredLength?: number | bigint;
}

/** Builds one frame exactly as described. */
export function frame(f: RawFrame): Uint8Array {
  const payload = typeof f.payload === 'string' ? utf8(f.payload) : (f.payload ?? new Uint8Array(0));
  const length = BigInt(f.declaredLength ?? payload.length);
  const bits = f.lengthBits ?? (length < 126n ? 7 : length < 0x10000n ? 16 : 64);
  const key = f.mask === true ? RFC_MASK_KEY : f.mask instanceof Uint8Array ? f.mask : undefined;

  const head: number[] = [
    ((f.fin ?? true) ? 0x80 : 0) | (f.rsv1 ? 0x40 : 0) | (f.rsv2 ? 0x20 : 0) | (f.rsv3 ? 0x10 : 0) | (f.opcode & 0x0f),
  ];
  const maskBit = key !== undefined ? 0x80 : 0;
  if (bits === 7) {
    head.push(maskBit | Number(length));
  } else if (bits === 16) {
    head.push(maskBit | 126, Number((length >> 8n) & 0xffn), Number(length & 0xffn));
  } else {
    head.push(maskBit | 127);
    for (let shift = 56n; shift >= 0n; shift -= 8n) head.push(Number((length >> shift) & 0xffn));
  }
  const body = new Uint8Array(payload.length);
  for (let i = 0; i < payload.length; i++) body[i] = payload[i] ^ (key !== undefined ? key[i & 3] : 0);
  if (key !== undefined) head.push(...key);
  return concat(new Uint8Array(head), body);
}

export interface DecodedFrame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  /** The masking key when the mask bit is set. */
  key: Uint8Array | undefined;
  /** Length as written in the header. */
  length: number;
  /** Bytes of the length field after the first two header bytes: 0, 2 or 8. */
  extendedLengthBytes: number;
  /** Unmasked payload. */
  payload: Uint8Array;
}

/**
 * Decodes a byte stream that must consist of complete frames only (e.g. what the serializer
 * produced). Throws on trailing partial data.
 */
export function decodeFrames(bytes: Uint8Array): DecodedFrame[] {
  const frames: DecodedFrame[] = [];
  let p = 0;
  while (p < bytes.length) {
    if (bytes.length - p < 2) throw new Error('truncated frame header');
    const b0 = bytes[p];
    const b1 = bytes[p + 1];
    let q = p + 2;
    let length = b1 & 0x7f;
    let extendedLengthBytes = 0;
    if (length === 126) {
      length = (bytes[q] << 8) | bytes[q + 1];
      extendedLengthBytes = 2;
    } else if (length === 127) {
      length = 0;
      for (let i = 0; i < 8; i++) length = length * 256 + bytes[q + i];
      extendedLengthBytes = 8;
    }
    q += extendedLengthBytes;
    let key: Uint8Array | undefined;
    if ((b1 & 0x80) !== 0) {
      key = copyOf(bytes, q, q + 4);
      q += 4;
    }
    if (q + length > bytes.length) throw new Error('truncated frame payload');
    const payload = copyOf(bytes, q, q + length);
    if (key !== undefined) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
    frames.push({
      fin: (b0 & 0x80) !== 0,
      rsv1: (b0 & 0x40) !== 0,
      rsv2: (b0 & 0x20) !== 0,
      rsv3: (b0 & 0x10) !== 0,
      opcode: b0 & 0x0f,
      key,
      length,
      extendedLengthBytes,
      payload,
    });
    p = q + length;
  }
  return frames;
}
