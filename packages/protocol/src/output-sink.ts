/**
 * The output a caller lends the codec to write frames into (uWebSockets' `getSendBuffer` idea):
 * the codec asks for room, writes a whole frame there, and hands it over, so a transport with
 * a send buffer of its own (a shared send arena) gets each frame in one copy, with no frame
 * objects, and never needs to know what a frame is. `Connection#sendTextTo`,
 * `#sendBinaryTo` and `#sendSharedTo` write into one.
 */
import { Buffer } from 'node:buffer';
import { maskInto, unmaskInPlace } from './mask.js';
import { frameHeaderLength, writeFrameHeader } from './frame-serializer.js';

/**
 * A send buffer lent to the codec. A write is `reserve` then `commit`; nothing reserved is
 * sent until committed, and a reservation ends with the next call of either.
 */
export interface OutputSink {
  /** The bytes frames are written into. Read it after `reserve`: a reserve may replace it. */
  readonly bytes: Uint8Array;
  /**
   * Lends `length` contiguous bytes of `bytes` and returns their offset, or -1 when the sink
   * cannot take that many at once (nothing is reserved: the caller sends them another way). A
   * sink may send what was committed before to make room.
   */
  reserve(length: number): number;
  /** Hands over the first `length` bytes of the last reservation (at most what was reserved). */
  commit(length: number): void;
  /**
   * Optional, with {@link recommit}: changes whenever the sink let go of what was committed
   * (e.g. a send buffer flushed), so a region's offset is valid only in the generation it was
   * committed in.
   */
  readonly generation?: number;
  /**
   * Optional: commits again, without copying, the `length` bytes at `offset` that an earlier
   * commit of generation `generation` wrote (one frame for many receivers, e.g. a publish).
   * Returns false, doing nothing, when that region is gone or cannot be referenced now; the
   * caller then writes the bytes anew.
   */
  recommit?(offset: number, length: number, generation: number): boolean;
}

/**
 * A message framed for many receivers through one sink: it remembers where its frame was
 * written, so each further receiver costs a {@link OutputSink.recommit} (no copy), not a frame.
 * Reusable: {@link reset} makes it another message.
 */
export class SharedFrame {
  /** Opcode of the message: {@link Opcode.TEXT} or {@link Opcode.BINARY}. */
  opcode = 0x2;
  /** The payload; a string is sent as UTF-8. */
  payload: Uint8Array | string = EMPTY;
  /** Where the frame was last written: the sink, its generation, the offset and length there. */
  sink: OutputSink | undefined = undefined;
  generation = 0;
  offset = 0;
  length = 0;

  /** Makes this the frame of another message (forgets where the previous one was written). */
  reset(opcode: number, payload: Uint8Array | string): this {
    this.opcode = opcode;
    this.payload = payload;
    this.sink = undefined;
    return this;
  }

  /** Lets go of the payload (a kept frame must not hold it). */
  clear(): void {
    this.payload = EMPTY;
    this.sink = undefined;
  }
}

const EMPTY = new Uint8Array(0);

/** A Buffer over the last sink's bytes (for UTF-8 writes): one view, not one per frame. */
let lastBytes: Uint8Array | undefined;
let lastBuffer: Buffer | undefined;

function bufferOf(bytes: Uint8Array): Buffer {
  if (bytes !== lastBytes) {
    lastBuffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    lastBytes = bytes;
  }
  return lastBuffer!;
}

/**
 * Writes one frame of `opcode` carrying `payload` (a string as UTF-8) into `sink`, masked with
 * a fresh random key when `masked`. Returns the frame's offset in `sink.bytes`, or -1 when the
 * sink could not take it (nothing written). `byteLength` is the payload's length in bytes
 * (pass it when already known for a string). The caller's payload is never modified.
 */
export function writeFrameTo(
  sink: OutputSink,
  fin: boolean,
  rsv1: boolean,
  opcode: number,
  payload: Uint8Array | string,
  masked: boolean,
  byteLength = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length,
): number {
  const total = frameHeaderLength(byteLength, masked) + byteLength;
  const at = sink.reserve(total);
  if (at < 0) return -1;
  const bytes = sink.bytes;
  const o = writeFrameHeader(bytes, at, fin, rsv1, opcode, byteLength, masked);
  if (typeof payload === 'string') {
    bufferOf(bytes).write(payload, o, byteLength, 'utf8');
    if (masked) unmaskInPlace(bytes, o, o + byteLength, bytes, o - 4, 0);
  } else if (masked) maskInto(payload, bytes, o, bytes, o - 4);
  else bytes.set(payload, o);
  sink.commit(total);
  return at;
}

/**
 * Copies ready frames (as `Connection#send*` return them) into `sink` behind one reservation.
 * Returns false, writing nothing, when the sink cannot take them all at once.
 */
export function writeChunksTo(sink: OutputSink, chunks: readonly Uint8Array[]): boolean {
  let total = 0;
  for (let i = 0; i < chunks.length; i++) total += chunks[i].length;
  if (total === 0) return true;
  const at = sink.reserve(total);
  if (at < 0) return false;
  const bytes = sink.bytes;
  let o = at;
  for (let i = 0; i < chunks.length; i++) {
    bytes.set(chunks[i], o);
    o += chunks[i].length;
  }
  sink.commit(total);
  return true;
}
