/**
 * uWebSockets.js's compression constants (same values, combinable with `|`: one compressor and
 * one decompressor) and how they map onto permessage-deflate negotiation (RFC 7692).
 *
 * | constant | what we negotiate |
 * |---|---|
 * | `DISABLED` | no permessage-deflate |
 * | `SHARED_COMPRESSOR` | `server_no_context_takeover`: we compress each message afresh, no window kept per socket; `app.publish` can send one compressed frame to all such sockets |
 * | `DEDICATED_COMPRESSOR_xKB` | context takeover kept; `server_max_window_bits` and zlib `memLevel` from the size (3KB: 9 bits/memLevel 1 … 256KB: 15 bits/memLevel 8) |
 * | `SHARED_DECOMPRESSOR` | `client_no_context_takeover`: the client resets its compressor after every message |
 * | `DEDICATED_DECOMPRESSOR_xKB` | `client_max_window_bits` from the size (512B: 9 … 32KB: 15); below 15 an offer without `client_max_window_bits` is declined |
 * | a compressor without a decompressor | the client keeps context takeover with a 15-bit window |
 * | a decompressor without a compressor | negotiated, but our messages are never compressed |
 *
 * Messages are compressed only when `send(…, compress = true)` asks for it, as in uWS.
 */
import type { PerMessageDeflateOptions } from '@uws/protocol';

/** A compressor constant OR-ed with a decompressor constant. */
export type CompressOptions = number;

/** No compression. */
export const DISABLED: CompressOptions = 0;
/** Compress every message with a fresh context: no memory per socket. */
export const SHARED_COMPRESSOR: CompressOptions = 1;
/** Ask clients to compress every message with a fresh context. */
export const SHARED_DECOMPRESSOR: CompressOptions = 1 << 8;
/** Sliding compression window of 512 bytes (9 bits), about 3 KB per socket. */
export const DEDICATED_COMPRESSOR_3KB: CompressOptions = (9 << 4) | 1;
/** Sliding compression window of 512 bytes (9 bits), about 4 KB per socket. */
export const DEDICATED_COMPRESSOR_4KB: CompressOptions = (9 << 4) | 2;
/** Sliding compression window of 1 KB (10 bits), about 8 KB per socket. */
export const DEDICATED_COMPRESSOR_8KB: CompressOptions = (10 << 4) | 3;
/** Sliding compression window of 2 KB (11 bits), about 16 KB per socket. */
export const DEDICATED_COMPRESSOR_16KB: CompressOptions = (11 << 4) | 4;
/** Sliding compression window of 4 KB (12 bits), about 32 KB per socket. */
export const DEDICATED_COMPRESSOR_32KB: CompressOptions = (12 << 4) | 5;
/** Sliding compression window of 8 KB (13 bits), about 64 KB per socket. */
export const DEDICATED_COMPRESSOR_64KB: CompressOptions = (13 << 4) | 6;
/** Sliding compression window of 16 KB (14 bits), about 128 KB per socket. */
export const DEDICATED_COMPRESSOR_128KB: CompressOptions = (14 << 4) | 7;
/** Sliding compression window of 32 KB (15 bits), about 256 KB per socket. */
export const DEDICATED_COMPRESSOR_256KB: CompressOptions = (15 << 4) | 8;
/** Same as `DEDICATED_COMPRESSOR_256KB`. */
export const DEDICATED_COMPRESSOR: CompressOptions = (15 << 4) | 8;
/** Client compresses with a 512-byte window (9 bits). */
export const DEDICATED_DECOMPRESSOR_512B: CompressOptions = 9 << 8;
/** Client compresses with a 1 KB window (10 bits). */
export const DEDICATED_DECOMPRESSOR_1KB: CompressOptions = 10 << 8;
/** Client compresses with a 2 KB window (11 bits). */
export const DEDICATED_DECOMPRESSOR_2KB: CompressOptions = 11 << 8;
/** Client compresses with a 4 KB window (12 bits). */
export const DEDICATED_DECOMPRESSOR_4KB: CompressOptions = 12 << 8;
/** Client compresses with a 8 KB window (13 bits). */
export const DEDICATED_DECOMPRESSOR_8KB: CompressOptions = 13 << 8;
/** Client compresses with a 16 KB window (14 bits). */
export const DEDICATED_DECOMPRESSOR_16KB: CompressOptions = 14 << 8;
/** Client compresses with a 32 KB window (15 bits). */
export const DEDICATED_DECOMPRESSOR_32KB: CompressOptions = 15 << 8;
/** Same as `DEDICATED_DECOMPRESSOR_32KB`. */
export const DEDICATED_DECOMPRESSOR: CompressOptions = 15 << 8;

const COMPRESSOR_MASK = 0x00ff;
const DECOMPRESSOR_MASK = 0x0f00;

/** permessage-deflate settings derived from a `CompressOptions` value. */
export interface DeflateSetup {
  /** What the server agrees to in negotiation. */
  readonly negotiation: PerMessageDeflateOptions;
  /** zlib memLevel of our compressor (undefined: the codec's default). */
  readonly memLevel: number | undefined;
  /** Whether we ever compress outgoing messages. */
  readonly compresses: boolean;
}

/**
 * Maps a uWS compression value onto negotiation options (see the table above); undefined for
 * `DISABLED`.
 * @throws {RangeError} on bits that name no compressor or decompressor.
 */
export function deflateSetupFor(options: CompressOptions): DeflateSetup | undefined {
  if (!Number.isInteger(options) || options < 0 || (options & ~(COMPRESSOR_MASK | DECOMPRESSOR_MASK)) !== 0) {
    throw new RangeError(`invalid compression option ${options}`);
  }
  if (options === DISABLED) return undefined;
  const compressor = options & COMPRESSOR_MASK;
  const decompressor = (options & DECOMPRESSOR_MASK) >> 8;
  const negotiation: PerMessageDeflateOptions = {};
  let memLevel: number | undefined;
  if (compressor === SHARED_COMPRESSOR || compressor === 0) {
    // No compressor at all also keeps no window: we never compress, so promise nothing more.
    negotiation.serverNoContextTakeover = true;
  } else {
    const windowBits = compressor >> 4;
    memLevel = compressor & 0x0f;
    if (windowBits < 9 || windowBits > 15 || memLevel < 1 || memLevel > 9) {
      throw new RangeError(`invalid dedicated compressor in compression option ${options}`);
    }
    if (windowBits < 15) negotiation.serverMaxWindowBits = windowBits;
  }
  if (decompressor === 1) negotiation.clientNoContextTakeover = true;
  else if (decompressor !== 0) {
    if (decompressor < 9 || decompressor > 15) throw new RangeError(`invalid dedicated decompressor in compression option ${options}`);
    if (decompressor < 15) negotiation.clientMaxWindowBits = decompressor;
  }
  return { negotiation, memLevel, compresses: compressor !== 0 };
}
