/**
 * The compressor interface behind permessage-deflate (RFC 7692). The codec ships one on
 * `node:zlib`; a transport may plug a faster one (e.g. native zlib calls) through
 * {@link CompressionProvider}. All calls are synchronous: the codec is sans-IO and has no loop.
 */

/** Compresses the messages one end sends. */
export interface Deflater {
  /**
   * Compresses one fragment of a message (the whole message when `final` is true on the first
   * call). Output is sync-flushed; on `final` the `00 00 FF FF` tail is removed (RFC 7692 §7.2.1).
   * The caller owns the returned bytes (they may be sent later without a copy).
   */
  compress(data: Uint8Array, final: boolean): Uint8Array;
  /** Drops the LZ77 history: called after each message under no_context_takeover. */
  reset(): void;
  /** Frees the native resources. The deflater is unusable afterwards. */
  close(): void;
}

/** Inflates the messages one end receives. */
export interface Inflater {
  /**
   * Inflates `data[start, end)`, a piece of a compressed message, appending output buffers to
   * `out` (each owned by the caller). With `final`, the `00 00 FF FF` tail is fed after it.
   * Produces at most `limit` bytes: more fails with `WS_ERR_UNSUPPORTED_MESSAGE_LENGTH` (1009)
   * before more is allocated; corrupt input fails with `WS_ERR_INFLATE_FAILED` (1007).
   * Returns the number of bytes appended.
   */
  inflate(data: Uint8Array, start: number, end: number, final: boolean, limit: number, out: Uint8Array[]): number;
  /** Drops the LZ77 history. */
  reset(): void;
  /** Frees the native resources. The inflater is unusable afterwards. */
  close(): void;
}

/**
 * The zlib level a compressor uses when none is given: 1, zlib's fastest. On the messages a
 * WebSocket carries (JSON, text), level 1 costs a third to a half of the CPU of zlib's own
 * default (6) for output 10–20 % larger (the benchmarks' deflate rows measure both); a server
 * compresses every message it sends, so CPU is what runs out first. Set `compressionLevel`
 * (or ws-compat's `zlibDeflateOptions.level`) to 6–9 where bytes cost more than CPU.
 */
export const DEFAULT_COMPRESSION_LEVEL = 1;

/** Options for creating a {@link Deflater}. */
export interface DeflaterOptions {
  /** LZ77 window, 9–15 (8 is not supported by zlib for raw deflate). */
  windowBits: number;
  /** zlib compression level 0–9. Default: {@link DEFAULT_COMPRESSION_LEVEL} (1). */
  level?: number;
  /** zlib memLevel 1–9: memory for the compressor state vs. speed. Default: 8. */
  memLevel?: number;
}

/** Makes deflaters and inflaters; plug one into a connection's `compression` option. */
export interface CompressionProvider {
  createDeflater(options: DeflaterOptions): Deflater;
  /** `windowBits` 8–15: the largest window the peer may compress with. */
  createInflater(windowBits: number): Inflater;
}

/** The 4 bytes a sync flush ends with, removed by the sender and restored by the receiver. */
export const DEFLATE_TAIL: Uint8Array = new Uint8Array([0x00, 0x00, 0xff, 0xff]);
