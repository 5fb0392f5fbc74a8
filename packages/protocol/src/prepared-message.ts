import type { CompressionProvider } from './deflate/streams.js';
import { encodeFrame, encodeTextFrame } from './frame-serializer.js';
import { Opcode } from './opcodes.js';
import { zlibCompression } from './deflate/zlib-streams.js';
import { sharedDeflater } from './deflate/shared-streams.js';

/**
 * A message framed once for many connections (broadcast, pub/sub): server frames are unmasked,
 * so the same bytes serve every peer. `Connection.sendPrepared` picks the variant each peer can
 * take.
 */
export interface PreparedMessage {
  /** The uncompressed frame. */
  readonly plain: Uint8Array[];
  /** The frame compressed with a fresh context, when compression was asked for. */
  readonly compressed: Uint8Array[] | undefined;
  /** Window the compressed variant was made with: only peers allowing at least this get it. */
  readonly windowBits: number;
}

/** Options of {@link prepareMessage}. */
export interface PrepareMessageOptions {
  /** Binary (default) or text. A string is always text. Default: true for bytes. */
  binary?: boolean;
  /** Also make a compressed variant. Default: false. */
  compress?: boolean;
  /** Window for the compressed variant, 9–15; smaller reaches more peers. Default: 15. */
  windowBits?: number;
  /** zlib level of the compressed variant. Default: 1 ({@link DEFAULT_COMPRESSION_LEVEL}). */
  level?: number;
  /** Compressor source. Default: the `node:zlib` provider. */
  compression?: CompressionProvider;
}

/** Frames `data` once (server role) for sending to many connections. */
export function prepareMessage(data: Uint8Array | string, options?: PrepareMessageOptions): PreparedMessage {
  const text = typeof data === 'string' || options?.binary === false;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const opcode = text ? Opcode.TEXT : Opcode.BINARY;
  const plain = typeof data === 'string' ? encodeTextFrame(data) : encodeFrame(opcode, bytes);
  const windowBits = options?.windowBits ?? 15;
  // zlib cannot compress with an 8-bit raw window (it silently uses 9), so 8 would be a lie.
  if (!Number.isInteger(windowBits) || windowBits < 9 || windowBits > 15) {
    throw new RangeError(`windowBits must be an integer from 9 to 15, got ${windowBits}`);
  }
  let compressed: Uint8Array[] | undefined;
  if (options?.compress) {
    // The thread's shared stream for this setting: prepared messages are compressed whole, one at a time.
    const deflater = sharedDeflater(options.compression ?? zlibCompression, { windowBits, level: options.level });
    const payload = Buffer.from(deflater.compress(bytes, true));
    deflater.reset();
    compressed = encodeFrame(opcode, payload, { rsv1: true });
  }
  return { plain, compressed, windowBits };
}
