/**
 * The bytes a message crosses Redis in: a 14-byte header, then the payload as is (text as UTF-8).
 *
 *   [0]      format version (1)
 *   [1]      flags: 1 binary, 2 compress, 4 published by a socket (`ws.publish`)
 *   [2..9]   origin: the publishing broker's random id (its own messages come back: skipped)
 *   [10..13] sequence number of the origin's publishes (u32, wraps): tells a duplicate apart
 *   [14..]   payload
 *
 * The topic is the channel name (less the prefix), so it is not repeated here.
 *
 * Publishes of one task to one channel travel together as one Redis message, a batch (one
 * `PUBLISH` instead of one per message: node-redis costs tens of microseconds a command):
 *
 *   [0]      2 (a batch)
 *   then for each envelope, in publish order: a u32 length, the envelope above
 */
import { Buffer } from 'node:buffer';

export const VERSION = 1;
export const HEADER_BYTES = 14;
export const ORIGIN_BYTES = 8;
const BINARY = 1;
const COMPRESS = 2;
const FROM_SOCKET = 4;

/** A decoded envelope (its payload a view into the received buffer). */
export interface Envelope {
  origin: Buffer;
  seq: number;
  isBinary: boolean;
  compress: boolean;
  fromSocket: boolean;
  payload: Buffer;
}

/** One buffer holding header and payload (the payload is copied: the caller may reuse its own). */
export function encodeEnvelope(
  origin: Uint8Array,
  seq: number,
  message: Uint8Array | string,
  isBinary: boolean,
  compress: boolean,
  fromSocket: boolean,
): Buffer {
  const length = typeof message === 'string' ? Buffer.byteLength(message, 'utf8') : message.byteLength;
  const out = Buffer.allocUnsafe(HEADER_BYTES + length);
  out[0] = VERSION;
  out[1] = (isBinary ? BINARY : 0) | (compress ? COMPRESS : 0) | (fromSocket ? FROM_SOCKET : 0);
  out.set(origin, 2);
  out.writeUInt32BE(seq >>> 0, 10);
  if (typeof message === 'string') out.write(message, HEADER_BYTES, 'utf8');
  else out.set(message, HEADER_BYTES);
  return out;
}

/**
 * Reads an envelope, or throws an Error saying what is wrong (a foreign publisher on our
 * channels, or another version of this package).
 */
export function decodeEnvelope(bytes: Buffer): Envelope {
  if (bytes.length < HEADER_BYTES) throw new Error(`not a uws envelope: ${bytes.length} bytes, fewer than the ${HEADER_BYTES}-byte header`);
  if (bytes[0] !== VERSION) throw new Error(`not a uws envelope of version ${VERSION} (first byte ${bytes[0]})`);
  const flags = bytes[1];
  return {
    origin: bytes.subarray(2, 2 + ORIGIN_BYTES),
    seq: bytes.readUInt32BE(10),
    isBinary: (flags & BINARY) !== 0,
    compress: (flags & COMPRESS) !== 0,
    fromSocket: (flags & FROM_SOCKET) !== 0,
    payload: bytes.subarray(HEADER_BYTES),
  };
}

/** First byte of a batch of envelopes (see the header comment). */
export const BATCH = 2;
const LENGTH_BYTES = 4;

/** The bytes a batch of `envelopes` takes. */
function batchBytes(envelopes: readonly Buffer[]): number {
  let n = 1;
  for (const e of envelopes) n += LENGTH_BYTES + e.length;
  return n;
}

/** One buffer holding `envelopes` (at least two) in order. */
export function encodeBatch(envelopes: readonly Buffer[]): Buffer {
  const out = Buffer.allocUnsafe(batchBytes(envelopes));
  out[0] = BATCH;
  let at = 1;
  for (const e of envelopes) {
    out.writeUInt32BE(e.length, at);
    out.set(e, at + LENGTH_BYTES);
    at += LENGTH_BYTES + e.length;
  }
  return out;
}

/**
 * The envelopes of a received Redis message (one, or the batch's, in order), as views of it.
 * Throws an Error saying what is wrong, as {@link decodeEnvelope} does.
 */
export function envelopesOf(bytes: Buffer): Envelope[] {
  if (bytes.length === 0 || bytes[0] !== BATCH) return [decodeEnvelope(bytes)];
  const out: Envelope[] = [];
  let at = 1;
  while (at < bytes.length) {
    if (at + LENGTH_BYTES > bytes.length) throw new Error(`truncated uws batch: ${bytes.length - at} bytes left where a length is expected`);
    const length = bytes.readUInt32BE(at);
    at += LENGTH_BYTES;
    if (at + length > bytes.length) throw new Error(`truncated uws batch: an envelope of ${length} bytes, ${bytes.length - at} left`);
    out.push(decodeEnvelope(bytes.subarray(at, at + length)));
    at += length;
  }
  if (out.length === 0) throw new Error('empty uws batch');
  return out;
}
