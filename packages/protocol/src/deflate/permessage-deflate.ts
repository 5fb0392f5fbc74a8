/**
 * permessage-deflate at run time (RFC 7692 §6–7), for one connection: what the connection calls
 * to compress a message it sends and to inflate one it receives. The connection knows only this
 * small interface (compress, inflate, close): which stream does the work (the connection's own,
 * kept for context takeover, or the thread's shared one when nothing is kept between messages),
 * when a stream is reset, and the window each side uses are decided here.
 *
 * Made on the connection's first compressed message, not at the handshake: a connection that
 * negotiated deflate but never compresses holds no stream and no runtime.
 */
import { ProtocolError } from '../errors.js';
import type { Role } from '../role.js';
import type { DeflateParams } from './params.js';
import { discardSharedDeflater, discardSharedInflater, sharedDeflater, sharedInflater } from './shared-streams.js';
import type { CompressionProvider, Deflater, DeflaterOptions, Inflater } from './streams.js';
import { zlibCompression } from './zlib-streams.js';

/** Where a connection's streams come from and how ours compresses (its resolved options). */
export interface DeflateStreamSettings {
  readonly compression: CompressionProvider;
  /** zlib level of our compressor; undefined: the provider's default. */
  readonly compressionLevel: number | undefined;
  /** zlib memLevel of our compressor; undefined: the provider's default. */
  readonly compressionMemLevel: number | undefined;
}

/** The compression provider a connection uses when none is given: {@link zlibCompression}. */
export function compressionOrDefault(compression: CompressionProvider | undefined): CompressionProvider {
  return compression ?? zlibCompression;
}

/**
 * Whether a peer with these parameters may be sent a message compressed once with a fresh
 * context and a window of `windowBits` (a prepared broadcast): only when our own compressor
 * keeps no history for it (server_no_context_takeover), so that our deflater's history and the
 * peer's window cannot diverge, and when the peer's window is at least as large.
 */
export function acceptsFreshlyCompressed(params: DeflateParams | undefined, windowBits: number): boolean {
  return params !== undefined && params.serverNoContextTakeover && windowBits <= params.serverMaxWindowBits;
}

/** One connection's permessage-deflate streams and the rules for using them. */
export class PerMessageDeflate {
  private readonly params: DeflateParams;
  private readonly server: boolean;
  private readonly settings: DeflateStreamSettings;
  /** Our own streams, made on first use (context takeover, or a message that spans calls). */
  private deflater: Deflater | undefined = undefined;
  private inflater: Inflater | undefined = undefined;
  /** The thread's shared deflater, once this connection used it (see shared-streams.ts). */
  private shared: Deflater | undefined = undefined;

  constructor(params: DeflateParams, role: Role, settings: DeflateStreamSettings) {
    this.params = params;
    this.server = role === 'server';
    this.settings = settings;
  }

  /**
   * Compresses one piece of a message we send: the whole message when `first` and `final`.
   * Returns the payload to frame (RSV1 goes on the first frame). Errors of the stream are thrown.
   */
  compress(data: Uint8Array, final: boolean, first: boolean): Uint8Array {
    const d = this.params;
    const reset = this.server ? d.serverNoContextTakeover : d.clientNoContextTakeover;
    if (first && final && reset) {
      // A whole message whose context is not kept: the thread's shared stream compresses it.
      let shared = this.shared;
      if (shared === undefined) this.shared = shared = sharedDeflater(this.settings.compression, this.deflaterOptions());
      let out: Uint8Array;
      try {
        out = shared.compress(data, true);
      } catch (err) {
        // A stream that failed is not left to the other connections.
        this.shared = undefined;
        discardSharedDeflater(this.settings.compression, shared);
        throw err;
      }
      shared.reset();
      return out;
    }
    if (this.deflater === undefined) this.deflater = this.settings.compression.createDeflater(this.deflaterOptions());
    const out = this.deflater.compress(data, final);
    if (final && reset) this.deflater.reset();
    return out;
  }

  /**
   * Inflates a whole compressed message that arrived in one piece, with its tail, appending the
   * output buffers to `out` (at most `limit` bytes). Without the peer's context takeover the
   * thread's shared inflater does it (nothing is kept between messages). Returns the error that
   * fails the connection (1009 over the limit, 1007 for corrupt input), or undefined.
   */
  inflateMessage(bytes: Uint8Array, start: number, end: number, limit: number, out: Uint8Array[]): ProtocolError | undefined {
    if (!this.peerResets()) return inflateWith(this.ownInflater(), bytes, start, end, true, limit, out);
    const shared = sharedInflater(this.settings.compression, this.peerWindowBits());
    const error = inflateWith(shared, bytes, start, end, true, limit, out);
    // After bad input its state is unknown: the next user gets a new one.
    if (error !== undefined) discardSharedInflater(this.settings.compression, shared);
    else shared.reset();
    return error;
  }

  /**
   * Inflates a piece of a compressed message that spans frames or calls, with this
   * connection's own inflater; `final` feeds the tail and ends the message. Returns the error
   * that fails the connection, or undefined.
   */
  inflatePiece(bytes: Uint8Array, start: number, end: number, final: boolean, limit: number, out: Uint8Array[]): ProtocolError | undefined {
    const inflater = this.ownInflater();
    const error = inflateWith(inflater, bytes, start, end, final, limit, out);
    if (error === undefined && final && this.peerResets()) inflater.reset();
    return error;
  }

  /** Frees this connection's own streams; the shared ones stay open for the other connections. */
  close(): void {
    this.deflater?.close();
    this.inflater?.close();
    this.deflater = undefined;
    this.inflater = undefined;
    this.shared = undefined;
  }

  /** Whether the peer compresses each message afresh (no context takeover on its side). */
  private peerResets(): boolean {
    return this.server ? this.params.clientNoContextTakeover : this.params.serverNoContextTakeover;
  }

  /** The largest window the peer compresses with. */
  private peerWindowBits(): number {
    return this.server ? this.params.clientMaxWindowBits : this.params.serverMaxWindowBits;
  }

  private ownInflater(): Inflater {
    if (this.inflater === undefined) this.inflater = this.settings.compression.createInflater(this.peerWindowBits());
    return this.inflater;
  }

  private deflaterOptions(): DeflaterOptions {
    return {
      windowBits: this.server ? this.params.serverMaxWindowBits : this.params.clientMaxWindowBits,
      level: this.settings.compressionLevel,
      memLevel: this.settings.compressionMemLevel,
    };
  }
}

/** Runs one inflate call; a failure of the stream comes back as the error to fail the connection with. */
function inflateWith(
  inflater: Inflater,
  bytes: Uint8Array,
  start: number,
  end: number,
  final: boolean,
  limit: number,
  out: Uint8Array[],
): ProtocolError | undefined {
  try {
    inflater.inflate(bytes, start, end, final, limit, out);
    return undefined;
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    return new ProtocolError('WS_ERR_INFLATE_FAILED', `permessage-deflate: ${(err as Error).message}`);
  }
}
