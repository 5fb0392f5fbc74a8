import zlib from 'node:zlib';
import type { CompressionProvider, Deflater, DeflaterOptions, Inflater } from './streams.js';
import { DEFAULT_COMPRESSION_LEVEL, DEFLATE_TAIL } from './streams.js';
import { ProtocolError } from '../errors.js';

/**
 * The default compressor, on `node:zlib`.
 *
 * The codec is synchronous and must keep one zlib stream alive per connection (context
 * takeover), which Node's public API offers only asynchronously (streams) or one-shot (the
 * `*Sync` functions close their stream). So this drives the stream's handle with the same
 * synchronous `writeSync` call that Node's own `*Sync` functions use, with our own output
 * buffer: that gives an exact output limit (a decompression bomb stops at the limit) and no
 * per-call stream. Availability is checked once; a runtime without it gets a clear error and
 * can plug its own provider.
 */

interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
}
interface ZlibEngine {
  _handle: ZlibHandle | null;
  _writeState: Uint32Array;
  destroyed: boolean;
  reset(): void;
  close(): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

const Z_SYNC_FLUSH = zlib.constants.Z_SYNC_FLUSH;
const SCRATCH_SIZE = 64 * 1024;
/** Output goes into this scratch first and is copied out at its exact size (sync: one user at a time). */
let scratch: Buffer | undefined;
/**
 * A whole small message is copied here with the `00 00 FF FF` tail behind it, so zlib gets it
 * in one call instead of two (the message, then the tail).
 */
const INPUT_SCRATCH_SIZE = 16 * 1024;
let inputScratch: Buffer | undefined;

function engine(stream: zlib.DeflateRaw | zlib.InflateRaw): ZlibEngine {
  const e = stream as unknown as ZlibEngine;
  if (typeof e._handle?.writeSync !== 'function' || !(e._writeState instanceof Uint32Array)) {
    throw new Error(
      'node:zlib no longer exposes synchronous stream writes; pass a CompressionProvider in the `compression` option',
    );
  }
  // zlib reports errors by destroying the stream and emitting 'error' on the next tick; we
  // detect the destruction synchronously, so the event itself is only swallowed here.
  e.on('error', ignore);
  return e;
}

function ignore(): void {}

/**
 * Feeds `input[inOff, inOff+inLen)` with `flush` and appends output to `out`, never producing
 * more than `limit` bytes in total. Returns bytes produced, or -1 when the output would pass
 * `limit`, or -2 when zlib failed. `ended` reports whether zlib stopped with input left over
 * (the peer's deflate stream ended with a BFINAL block).
 */
function drive(
  e: ZlibEngine,
  flush: number,
  input: Uint8Array,
  inOff: number,
  inLen: number,
  limit: number,
  out: Uint8Array[],
  state: { ended: boolean },
): number {
  const buf = (scratch ??= Buffer.allocUnsafe(SCRATCH_SIZE));
  const ws = e._writeState;
  let produced = 0;
  for (;;) {
    // One byte more than allowed, so crossing the limit is seen without producing more.
    const room = Math.min(SCRATCH_SIZE, limit - produced + 1);
    const handle = e._handle;
    if (handle === null || e.destroyed) return -2;
    handle.writeSync(flush, input, inOff, inLen, buf, 0, room);
    if (e._handle === null || e.destroyed) return -2;
    const availOut = ws[0];
    const availIn = ws[1];
    const n = room - availOut;
    if (n > 0) {
      produced += n;
      if (produced > limit) return -1;
      out.push(Buffer.from(buf.subarray(0, n)));
    }
    inOff += inLen - availIn;
    inLen = availIn;
    if (availOut !== 0) {
      state.ended = availIn !== 0;
      return produced;
    }
  }
}

class ZlibDeflater implements Deflater {
  private readonly e: ZlibEngine;
  private readonly chunks: Uint8Array[] = [];
  private readonly state = { ended: false };

  constructor(options: DeflaterOptions) {
    this.e = engine(
      zlib.createDeflateRaw({
        windowBits: Math.max(9, options.windowBits),
        level: options.level ?? DEFAULT_COMPRESSION_LEVEL,
        memLevel: options.memLevel ?? 8,
      }),
    );
  }

  compress(data: Uint8Array, final: boolean): Uint8Array {
    const chunks = this.chunks;
    chunks.length = 0;
    const n = drive(this.e, Z_SYNC_FLUSH, data, 0, data.length, Number.MAX_SAFE_INTEGER, chunks, this.state);
    if (n < 0) throw new Error('zlib deflate failed');
    let result: Uint8Array = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, n);
    if (final && endsWithTail(result)) {
      result = result.subarray(0, result.length - 4);
    } else if (final && result.length === 0) {
      // zlib emits nothing for a sync flush with no new input (e.g. an empty message after a
      // flushed one), but the receiver appends `00 00 FF FF` to every message: send the empty
      // stored block's first byte so that tail completes a block (RFC 7692 §7.2.1 step 2).
      result = Buffer.alloc(1);
    }
    chunks.length = 0;
    return result;
  }

  reset(): void {
    this.e.reset();
  }

  close(): void {
    this.e.close();
  }
}

function endsWithTail(b: Uint8Array): boolean {
  const n = b.length;
  return n >= 4 && b[n - 4] === 0x00 && b[n - 3] === 0x00 && b[n - 2] === 0xff && b[n - 1] === 0xff;
}

class ZlibInflater implements Inflater {
  private e: ZlibEngine;
  private readonly windowBits: number;
  private readonly state = { ended: false };

  constructor(windowBits: number) {
    // A raw inflater decodes any stream made with a window no larger than its own.
    this.windowBits = Math.max(9, windowBits);
    this.e = engine(zlib.createInflateRaw({ windowBits: this.windowBits }));
  }

  inflate(data: Uint8Array, start: number, end: number, final: boolean, limit: number, out: Uint8Array[]): number {
    let produced = 0;
    if (final && !this.state.ended && end - start <= INPUT_SCRATCH_SIZE - 4) {
      // The same bytes zlib would get in the two calls below, in one: fed whole, data past a
      // BFINAL block (the tail included) is left over and ignored all the same.
      const input = (inputScratch ??= Buffer.allocUnsafe(INPUT_SCRATCH_SIZE));
      const length = end - start;
      if (length > 0) input.set(start === 0 && end === data.length ? data : data.subarray(start, end), 0);
      input.set(DEFLATE_TAIL, length);
      const n = drive(this.e, Z_SYNC_FLUSH, input, 0, length + 4, limit, out, this.state);
      if (n === -1) throw tooBig(limit);
      if (n === -2) throw inflateFailed('invalid deflate data');
      if (this.state.ended) {
        this.e.reset();
        this.state.ended = false;
      }
      return n;
    }
    // After a BFINAL block the rest of the message is ignored, as DEFLATE ignores data past the
    // end of a stream (RFC 7692 §7.2.3.4 pads with a byte there). Throwing only when that data
    // came in a later call would make the outcome depend on how the input was chunked.
    if (end > start && !this.state.ended) {
      const n = drive(this.e, Z_SYNC_FLUSH, data, start, end - start, limit, out, this.state);
      if (n === -1) throw tooBig(limit);
      if (n === -2) throw inflateFailed('invalid deflate data');
      produced = n;
    }
    if (final) {
      if (!this.state.ended) {
        const n = drive(this.e, Z_SYNC_FLUSH, DEFLATE_TAIL, 0, 4, limit - produced, out, this.state);
        if (n === -1) throw tooBig(limit);
        if (n === -2) throw inflateFailed('invalid deflate data');
        produced += n;
      }
      if (this.state.ended) {
        // The peer closed its deflate stream (BFINAL): its next message starts a new one.
        this.e.reset();
        this.state.ended = false;
      }
    }
    return produced;
  }

  reset(): void {
    this.e.reset();
    this.state.ended = false;
  }

  close(): void {
    this.e.close();
  }
}

function tooBig(limit: number): ProtocolError {
  return new ProtocolError('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', `inflated message exceeds the limit of ${limit} bytes`);
}

function inflateFailed(why: string): ProtocolError {
  return new ProtocolError('WS_ERR_INFLATE_FAILED', `permessage-deflate: ${why}`);
}

/** The default {@link CompressionProvider}, on `node:zlib`. */
export const zlibCompression: CompressionProvider = {
  createDeflater: (options) => new ZlibDeflater(options),
  createInflater: (windowBits) => new ZlibInflater(windowBits),
};
