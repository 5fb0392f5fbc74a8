/**
 * Seeded random input for the fuzzing tests: a small PRNG that gives the same sequence on every
 * machine, random UTF-8 text, random chunking and byte-level mutations.
 */
import { Buffer } from 'node:buffer';
import { constants, deflateRawSync } from 'node:zlib';

/** xorshift32: small, seedable, the same sequence on every machine. */
export class Rng {
  constructor(private state: number) {
    if (this.state === 0) this.state = 1;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  below(n: number): number {
    return this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}

const TEXT_ALPHABET = ['a', 'Z', ' ', '0', 'é', 'ß', '€', '中', '𝄞', '🙂', '\n'];

export function randomText(rng: Rng, max: number): Buffer {
  const parts: string[] = [];
  const target = rng.below(max + 1);
  let bytes = 0;
  while (bytes < target) {
    const c = TEXT_ALPHABET[rng.below(TEXT_ALPHABET.length)];
    parts.push(c);
    bytes += Buffer.byteLength(c);
  }
  return Buffer.from(parts.join(''));
}

/** Splits `data` into `parts` pieces at random points. */
export function split(rng: Rng, data: Buffer, parts: number): Buffer[] {
  const cuts = Array.from({ length: parts - 1 }, () => rng.below(data.length + 1)).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, data.length]) {
    out.push(data.subarray(at, cut));
    at = cut;
  }
  return out;
}

/** Flips, overwrites, inserts, deletes or cuts off bytes, one to three times. */
export function mutate(rng: Rng, bytes: Buffer): Buffer {
  let out = Buffer.from(bytes);
  const times = 1 + rng.below(3);
  for (let t = 0; t < times && out.length > 0; t++) {
    const at = rng.below(out.length);
    switch (rng.below(5)) {
      case 0:
        out[at] ^= 1 << rng.below(8);
        break;
      case 1:
        out[at] = rng.next() & 0xff;
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), rng.bytes(1 + rng.below(16)), out.subarray(at)]);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + rng.below(16)))]);
        break;
      default:
        out = out.subarray(0, at);
    }
  }
  return out;
}

/** A frame with any header bits: masked with a random key (client) or not (server). */
export function wireFrame(rng: Rng, opcode: number, payload: Buffer, fin: boolean, rsv1: boolean, masked: boolean): Buffer {
  const len = payload.length;
  const lenBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + lenBytes + (masked ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  const maskBit = masked ? 0x80 : 0;
  if (lenBytes === 0) header[1] = maskBit | len;
  else if (lenBytes === 2) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(len, 2);
  } else {
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const mask = rng.bytes(4);
  mask.copy(header, 2 + lenBytes);
  const body = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) body[i] = payload[i] ^ mask[i & 3];
  return Buffer.concat([header, body]);
}

/** A data message as its receiver must see it. */
export interface FuzzMessage {
  binary: boolean;
  data: Buffer;
}

/**
 * One random data message (text or binary, up to ~70 KB, one in ten over 64 KiB) as the frames
 * that carry it: fragmented now and then, with pings between fragments, compressed (when
 * `windowBits` is given) more often than not.
 */
export function randomMessageFrames(rng: Rng, options: { masked: boolean; windowBits: number | undefined }): { message: FuzzMessage; frames: Buffer[] } {
  const binary = rng.chance(0.5);
  const data = binary ? rng.bytes(rng.chance(0.1) ? 66_000 + rng.below(4000) : rng.below(300)) : randomText(rng, rng.chance(0.1) ? 70_000 : 300);
  const opcode = binary ? 0x2 : 0x1;
  const compressed = options.windowBits !== undefined && rng.chance(0.6);
  // A message compresses to one deflate stream ending in an empty stored block (RFC 7692 §7.2.1).
  const body = compressed ? deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH, windowBits: options.windowBits }).subarray(0, -4) : data;
  const pieces = rng.chance(0.3) ? split(rng, body, 2 + rng.below(3)) : [body];
  const frames: Buffer[] = [];
  pieces.forEach((piece, i) => {
    frames.push(wireFrame(rng, i === 0 ? opcode : 0x0, piece, i === pieces.length - 1, compressed && i === 0, options.masked));
    if (rng.chance(0.15)) frames.push(wireFrame(rng, 0x9, rng.bytes(rng.below(126)), true, false, options.masked));
  });
  return { message: { binary, data }, frames };
}
