/**
 * The codec's core: one connection's receive path (frames to messages: fragmentation, UTF-8,
 * limits) and send path (messages to frames). It calls out to close-handshake.ts for the close
 * handshake and to deflate/ for permessage-deflate. Longer than our ~600-line guide because the
 * receive path's fast case, its streaming case and the message assembly they share read best
 * side by side; the options and their resolved, shared settings come first.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import {
  afterCloseReceived,
  afterCloseSent,
  afterFailure,
  checkCloseArguments,
  CLOSE_FAILED,
  CLOSE_RECEIVED,
  CLOSE_SENT,
  closeReplyPayload,
  closeStateOf,
  type ConnectionState,
  readClosePayload,
  sendingEnded,
  transportShouldClose,
} from './close-handshake.js';
import type { DeflateParams } from './deflate/params.js';
import { acceptsFreshlyCompressed, compressionOrDefault, PerMessageDeflate } from './deflate/permessage-deflate.js';
import type { CompressionProvider } from './deflate/streams.js';
import { CloseCode, ProtocolError } from './errors.js';
import { DEFAULT_MAX_PAYLOAD_LENGTH, FrameParser, type FrameSink } from './frame-parser.js';
import { encodeClosePayload, encodeFrame, encodeTextFrame } from './frame-serializer.js';
import { MIN_POOLED_MESSAGE_BYTES, releaseMessageBuffer, takeMessageBuffer } from './message-buffer-pool.js';
import type { UnmaskAccelerator } from './mask.js';
import { Opcode } from './opcodes.js';
import { type OutputSink, type SharedFrame, writeChunksTo, writeFrameTo } from './output-sink.js';
import type { PreparedMessage } from './prepared-message.js';
import type { Role } from './role.js';
import { Utf8Validator } from './utf8-validator.js';

/** What {@link Connection.receive} reports. */
export type ConnectionEvent =
  | { type: 'message'; data: Uint8Array; binary: boolean }
  | { type: 'ping'; data: Uint8Array }
  | { type: 'pong'; data: Uint8Array }
  | { type: 'close'; code: number; reason: string; wasClean: boolean }
  | { type: 'error'; error: ProtocolError };

/**
 * Callbacks instead of an event list: faster (no event objects) and what a transport uses.
 * Byte views passed here may point into the buffer given to `receive()`: copy to keep them
 * past the moment the caller reuses that buffer.
 */
export interface ConnectionHandler {
  /** A complete, validated message (text is valid UTF-8). */
  onMessage(data: Uint8Array, isBinary: boolean): void;
  /** A ping arrived (the pong is already queued when `autoPong` is on). */
  onPing?(data: Uint8Array): void;
  onPong?(data: Uint8Array): void;
  /**
   * The connection is closed. `wasClean`: both close frames were exchanged. The code is 1005
   * when the peer's close frame had none, 1006 when the transport ended without one, or the
   * code we failed the connection with.
   */
  onClose?(code: number, reason: string, wasClean: boolean): void;
  /** The peer broke the protocol; a close frame with `error.closeCode` is queued. */
  onError?(error: ProtocolError): void;
  /**
   * Makes the view of `bytes[start, end)` that a message arriving whole in one `receive()` is
   * validated and delivered in. A handler whose messages are valid only during `onMessage` may
   * return a reused object (e.g. a copy in a scratch buffer, under a view kept per length), so
   * that no view is allocated per message. Default: a fresh view of `bytes`.
   */
  viewOf?(bytes: Uint8Array, start: number, end: number): Uint8Array;
}

/**
 * Default of `ConnectionOptions.maxFragments`: 2^17 frames per message. The most any case of
 * the Autobahn catalogue sends is 65 537 (9.3.1/9.4.1: 4 MiB in 64-byte fragments plus an empty
 * final frame), and browsers and ws send a few; twice the catalogue's worst keeps every
 * legitimate sender clear of it. Memory does not depend on it (a message is one growing
 * buffer); at 2^17 one message's frame headers cost the parser about as much as a few hundred
 * KiB of ordinary frames, so the limit caps the work of a single message without mattering.
 */
export const DEFAULT_MAX_FRAGMENTS = 131_072;

/** Options of {@link Connection}. Only `role` is required. */
export interface ConnectionOptions {
  /** Which end we are: servers expect masked frames and send unmasked ones, clients the reverse. */
  role: Role;
  /** The permessage-deflate parameters agreed in the handshake. Default: none (no compression). */
  deflate?: DeflateParams;
  /** Where deflaters and inflaters come from. Default: `zlibCompression`, on `node:zlib`. */
  compression?: CompressionProvider;
  /** zlib level for compressing our messages, 0–9: lower is faster, higher is smaller. Default: 1 ({@link DEFAULT_COMPRESSION_LEVEL}). */
  compressionLevel?: number;
  /** zlib memLevel for our compressor, 1–9 (memory per connection vs. speed). Default: 8. */
  compressionMemLevel?: number;
  /** Messages smaller than this are sent uncompressed unless `compress: true`. Default: 1024 bytes (ws's). */
  compressThreshold?: number;
  /** Largest payload of one received frame; larger fails with 1009. Default: 100 MiB. */
  maxPayloadLength?: number;
  /**
   * Largest received message, summed over fragments and counted after inflation as it is
   * produced; larger fails with 1009. Default: equal to `maxPayloadLength`.
   */
  maxMessageLength?: number;
  /**
   * Most frames one received message may be split into; more fails with 1009. A message's
   * memory is bounded by its bytes (one growing buffer), so this bounds only the work one
   * message may cost. Default: {@link DEFAULT_MAX_FRAGMENTS} (131 072).
   */
  maxFragments?: number;
  /** Answer pings with pongs automatically. Default: true. */
  autoPong?: boolean;
  /** Skip UTF-8 validation of text messages and close reasons (trusted peers only). Default: false. */
  skipUtf8Validation?: boolean;
  /** Receive callbacks instead of the event list returned by `receive()`. Default: none. */
  handler?: ConnectionHandler;
  /**
   * The `handler` uses each message only during `onMessage`: a large message that streams in
   * over several `receive()` calls is then assembled in a buffer that is reused for later
   * messages (a small per-thread pool, at most 32 MiB), not in a fresh one each time. Only with
   * a `handler`. Default: false (every such message gets its own buffer, which the handler may keep).
   */
  reuseMessageBuffers?: boolean;
  /**
   * Answer a peer's close frame with its code and its reason (as the ws package does), not the
   * code alone. Default: false (the code alone, RFC 6455 §5.5.1).
   */
  echoCloseReason?: boolean;
  /**
   * Keep delivering data messages that arrive after our close frame, until the peer's close
   * (as the ws package does: RFC 6455 §1.4 discards data after *receiving* a close). Default:
   * false (they are dropped once our close is sent).
   */
  deliverWhileClosing?: boolean;
  /**
   * A faster XOR (e.g. native code: `@uws/native` passes its own) for unmasking received
   * payload pieces of at least `UNMASK_ACCELERATOR_MIN_BYTES` (server role). Default: the
   * process-wide one of `setUnmaskAccelerator`, else the JavaScript loop.
   */
  unmask?: UnmaskAccelerator;
}

/** Options for one outgoing message. */
export interface SendOptions {
  /**
   * Compress this message (when permessage-deflate was negotiated). Default: compress when the
   * payload is at least `compressThreshold` bytes.
   */
  compress?: boolean;
  /**
   * False keeps the message open: later sends with the same type continue it as fragments until
   * one with `fin: true`. Default: true.
   */
  fin?: boolean;
  /** Split this send into frames of at most this many payload bytes. Default: no splitting. */
  fragmentSize?: number;
}

export type { ConnectionState } from './close-handshake.js';

// Shared empty results, frozen so no caller can fill them for everyone.
const NO_OUTPUT = Object.freeze([]) as unknown as Uint8Array[];
const NO_EVENTS = Object.freeze([]) as unknown as ConnectionEvent[];
const EMPTY = new Uint8Array(0);
const MASKED = Object.freeze({ mask: true });
const UNMASKED = Object.freeze({ mask: false });

/**
 * A received message that spans frames or chunks, while it is assembled. A whole frame in one
 * chunk takes the fast path and needs none, so an idle connection holds none.
 *
 * Its bytes go into one buffer that grows geometrically (capped by the message limit), so what
 * a message costs is bounded by its bytes (at most twice them, plus {@link MIN_ASSEMBLY_BYTES}),
 * never by the number of frames it came in: no object is kept per fragment.
 */
class IncomingMessage {
  readonly opcode: number;
  readonly compressed: boolean;
  /** Bytes so far (after inflation): the filled part of `buffer`. */
  length = 0;
  fragments = 0;
  /** The frame being streamed is the message's last. */
  frameFin = false;
  /** The bytes so far, from 0 to `length`; its length is the capacity. */
  buffer: Uint8Array = EMPTY;
  /** `buffer` came from the message-buffer pool and goes back once the message was handled. */
  pooled = false;

  constructor(opcode: number, compressed: boolean) {
    this.opcode = opcode;
    this.compressed = compressed;
  }
}

/** Smallest buffer a fragmented message starts with (so tiny fragments do not regrow it often). */
const MIN_ASSEMBLY_BYTES = 1024;
/** Output buffers of one inflate call, emptied after each (one list for every connection: sync). */
const inflated: Uint8Array[] = [];

/**
 * Bits of `Connection#flags` that are the connection's own; bits 0–2 and 4–5 are the close
 * handshake's (`CLOSE_*` and its state, see close-handshake.ts).
 */
const enum Flag {
  SEND_COMPRESSED = 8,
}
const SEND_OPCODE_SHIFT = 6;
const SEND_OPCODE_MASK = 3 << SEND_OPCODE_SHIFT;

/** {@link ConnectionOptions} resolved: what does not change during a connection. */
interface ConnectionSettings {
  readonly role: Role;
  readonly masked: boolean;
  readonly autoPong: boolean;
  readonly skipUtf8: boolean;
  readonly echoCloseReason: boolean;
  readonly deliverWhileClosing: boolean;
  readonly reuseBuffers: boolean;
  readonly maxPayload: number;
  readonly maxMessage: number;
  readonly maxFragments: number;
  readonly compressThreshold: number;
  readonly compression: CompressionProvider;
  readonly compressionLevel: number | undefined;
  readonly compressionMemLevel: number | undefined;
  readonly unmask: UnmaskAccelerator | undefined;
}

/**
 * Settings already made, by compression provider, the last used first: a server creates
 * thousands of connections with the same options, and one shared settings object costs them
 * nothing each. Found by comparing values (`sameSettings`), so a lookup builds no key.
 */
const settingsCache = new WeakMap<CompressionProvider, ConnectionSettings[]>();
/** Distinct option sets kept per provider; past it the oldest goes (the cache only saves memory). */
const MAX_CACHED_SETTINGS = 64;

function settingsFor(options: ConnectionOptions): ConnectionSettings {
  const maxPayload = options.maxPayloadLength ?? DEFAULT_MAX_PAYLOAD_LENGTH;
  const settings: ConnectionSettings = {
    role: options.role,
    masked: options.role === 'client',
    autoPong: options.autoPong ?? true,
    skipUtf8: options.skipUtf8Validation ?? false,
    echoCloseReason: options.echoCloseReason ?? false,
    deliverWhileClosing: options.deliverWhileClosing ?? false,
    reuseBuffers: (options.reuseMessageBuffers ?? false) && options.handler !== undefined,
    maxPayload,
    maxMessage: options.maxMessageLength ?? maxPayload,
    maxFragments: options.maxFragments ?? DEFAULT_MAX_FRAGMENTS,
    compressThreshold: options.compressThreshold ?? 1024,
    compression: compressionOrDefault(options.compression),
    compressionLevel: options.compressionLevel,
    compressionMemLevel: options.compressionMemLevel,
    unmask: options.unmask,
  };
  let cached = settingsCache.get(settings.compression);
  if (cached === undefined) settingsCache.set(settings.compression, (cached = []));
  for (let i = 0; i < cached.length; i++) {
    const found = cached[i];
    if (!sameSettings(found, settings)) continue;
    if (i > 0) {
      // Last used first: the next connection with these options finds them at once.
      cached[i] = cached[0];
      cached[0] = found;
    }
    return found;
  }
  if (cached.length >= MAX_CACHED_SETTINGS) cached.pop();
  cached.unshift(settings);
  return settings;
}

/** Whether two settings hold the same values (`masked` follows from `role`). */
function sameSettings(a: ConnectionSettings, b: ConnectionSettings): boolean {
  return (
    a.role === b.role &&
    a.autoPong === b.autoPong &&
    a.skipUtf8 === b.skipUtf8 &&
    a.echoCloseReason === b.echoCloseReason &&
    a.deliverWhileClosing === b.deliverWhileClosing &&
    a.reuseBuffers === b.reuseBuffers &&
    a.maxPayload === b.maxPayload &&
    a.maxMessage === b.maxMessage &&
    a.maxFragments === b.maxFragments &&
    a.compressThreshold === b.compressThreshold &&
    a.compression === b.compression &&
    a.compressionLevel === b.compressionLevel &&
    a.compressionMemLevel === b.compressionMemLevel &&
    a.unmask === b.unmask
  );
}

/**
 * One WebSocket connection after the opening handshake, without IO: feed it the bytes that
 * arrive (`receive`), write the bytes it gives back (`send*` return values, and
 * `takeOutgoing()` for the frames it produces itself: pongs and close replies), and close the
 * transport when `shouldCloseTransport` says so. It drives the close handshake (OPEN → CLOSING →
 * CLOSED, close-handshake.ts) and permessage-deflate (deflate/), and owns fragmentation, UTF-8
 * validation and the receive limits.
 */
export class Connection implements FrameSink {
  readonly deflate: DeflateParams | undefined;

  /** Options with their defaults, shared by every connection created with the same values. */
  private readonly settings: ConnectionSettings;
  /** Made by the first `receive()`: a connection that has received nothing holds no parser. */
  private parser: FrameParser | undefined = undefined;
  private readonly handler: ConnectionHandler | undefined;
  /** The event list (without a handler) and the frames we produced ourselves, made on first use. */
  private events: ConnectionEvent[] | undefined = undefined;
  private outbox: Uint8Array[] | undefined = undefined;

  /** The permessage-deflate runtime, made by the first compressed message (only with deflate). */
  private pmd: PerMessageDeflate | undefined = undefined;
  /**
   * The close-handshake state and flags (close-handshake.ts) and the open fragmented send, in
   * one small integer (see the accessors below): bits `CLOSE_*` and {@link Flag},
   * the close state in bits 4–5 and the open send's opcode in bits 6–7.
   */
  private flags = 0;
  private _closeCode: number | undefined;

  /** The message being received when it spans frames or chunks (none on the fast path). */
  private msg: IncomingMessage | undefined = undefined;
  /** Made for the first text message that spans frames or chunks, then reused. */
  private utf8: Utf8Validator | undefined = undefined;

  // ---- packed state --------------------------------------------------------------------

  private get closeSent(): boolean {
    return (this.flags & CLOSE_SENT) !== 0;
  }
  private get closeReceived(): boolean {
    return (this.flags & CLOSE_RECEIVED) !== 0;
  }
  private get failed(): boolean {
    return (this.flags & CLOSE_FAILED) !== 0;
  }
  /** The open fragmented send is compressed. */
  private get sendCompressed(): boolean {
    return (this.flags & Flag.SEND_COMPRESSED) !== 0;
  }
  private set sendCompressed(on: boolean) {
    this.setFlag(Flag.SEND_COMPRESSED, on);
  }
  /** Opcode of the message being sent in fragments; 0 when none is open. */
  private get sendOpcode(): number {
    return (this.flags >>> SEND_OPCODE_SHIFT) & 3;
  }
  private set sendOpcode(opcode: number) {
    this.flags = (this.flags & ~(3 << SEND_OPCODE_SHIFT)) | (opcode << SEND_OPCODE_SHIFT);
  }
  private setFlag(flag: number, on: boolean): void {
    this.flags = on ? this.flags | flag : this.flags & ~flag;
  }

  constructor(options: ConnectionOptions) {
    this.deflate = options.deflate;
    this.handler = options.handler;
    this.settings = settingsFor(options);
  }

  /** Which end we are. */
  get role(): Role {
    return this.settings.role;
  }

  /** OPEN until a close frame is sent or received, CLOSING until both are, then CLOSED. */
  get state(): ConnectionState {
    return closeStateOf(this.flags);
  }

  /**
   * True when the caller should close the transport now: after the close handshake on the
   * server (RFC 6455 §7.1.1: the server closes TCP first), or at once after a protocol error.
   * A client waits for the server to close, with a timeout of its own.
   */
  get shouldCloseTransport(): boolean {
    return transportShouldClose(this.flags, this.settings.role);
  }

  /** The code the close event reported (the peer's, ours on failure, 1006 on EOF); undefined until closed. */
  get closeCode(): number | undefined {
    return this._closeCode;
  }

  /**
   * Feeds received bytes: `bytes[start, end)` (default: all of it), so a caller reading into a
   * larger buffer needs no view per read. Masked payloads are unmasked in place in `bytes`.
   * Returns the events (an empty list when a `handler` is set). Message views may point into `bytes`.
   */
  receive(bytes: Uint8Array, start = 0, end = bytes.length): ConnectionEvent[] {
    if (!this.closeReceived && !this.failed) (this.parser ??= this.newParser()).push(bytes, start, end);
    return this.drainEvents();
  }

  /** The transport ended. Reports a 1006 close unless the close handshake already finished. */
  receiveEof(): ConnectionEvent[] {
    if (closeStateOf(this.flags) !== 'closed') {
      this.parser?.stop();
      this.flags = afterFailure(this.flags, false);
      this._closeCode = CloseCode.ABNORMAL;
      this.releaseCompression();
      this.emitClose(CloseCode.ABNORMAL, '', false);
    }
    return this.drainEvents();
  }

  /**
   * Frames the connection produced on its own (pongs, close replies) since the last call and
   * not already handed out in front of a `send*` result.
   */
  takeOutgoing(): Uint8Array[] {
    const out = this.outbox;
    if (out === undefined) return NO_OUTPUT;
    this.outbox = undefined;
    return out;
  }

  /**
   * Frames a text message (or fragment): a string, or bytes that are already UTF-8 (echoing a
   * received text message needs no round trip through a string; bytes are not re-validated).
   * Returns the bytes to write; bytes are referenced like `sendBinary`'s.
   */
  sendText(text: string | Uint8Array, options?: SendOptions): Uint8Array[] {
    this.assertCanSend();
    if (typeof text !== 'string') return this.afterQueued(this.sendData(Opcode.TEXT, text, options));
    if (this.deflate === undefined && options?.fragmentSize === undefined) {
      const opcode = this.dataOpcode(Opcode.TEXT, options?.fin ?? true);
      if (opcode === Opcode.TEXT) return this.afterQueued(encodeTextFrame(text, { fin: options?.fin ?? true, mask: this.settings.masked }));
      return this.afterQueued(encodeFrame(opcode, Buffer.from(text, 'utf8'), { fin: options?.fin ?? true, mask: this.settings.masked }));
    }
    return this.afterQueued(this.sendData(Opcode.TEXT, Buffer.from(text, 'utf8'), options));
  }

  /**
   * Frames a binary message (or fragment). Returns the bytes to write; a large uncompressed
   * payload is referenced, not copied, so leave `data` unchanged until it is written.
   */
  sendBinary(data: Uint8Array, options?: SendOptions): Uint8Array[] {
    this.assertCanSend();
    if (
      (this.flags & SEND_OPCODE_MASK) === 0 &&
      this.outbox === undefined &&
      (options === undefined || (options.fin !== false && options.fragmentSize === undefined)) &&
      (this.deflate === undefined || options?.compress === false)
    ) {
      // The common case (one whole uncompressed message), without the fragmentation and
      // compression bookkeeping.
      return encodeFrame(Opcode.BINARY, data, this.settings.masked ? MASKED : UNMASKED);
    }
    return this.afterQueued(this.sendData(Opcode.BINARY, data, options));
  }

  /**
   * Whether a whole message of `length` payload bytes, sent now with `compress` (as in
   * {@link SendOptions}; undefined: by the compression threshold), would go out as one final,
   * unmasked, uncompressed frame with nothing queued before it. Then the same frame made once
   * for many connections may be written instead (server role). Changes no state.
   */
  sendsPlainFrame(length: number, compress?: boolean): boolean {
    return this.takesWholeFrame() && (this.deflate === undefined || !(compress ?? length >= this.settings.compressThreshold));
  }

  /** Server role, open for sending, no fragmented send open, nothing queued: a ready frame may be written as it is. */
  private takesWholeFrame(): boolean {
    return !this.settings.masked && !sendingEnded(this.flags) && (this.flags & SEND_OPCODE_MASK) === 0 && this.outbox === undefined;
  }

  /**
   * Frames a message prepared once for many connections (server role only). Uses the prepared
   * compressed frame when this connection can inflate it, the plain frame otherwise.
   */
  sendPrepared(message: PreparedMessage): Uint8Array[] {
    this.assertCanSend();
    if (this.settings.role !== 'server') throw new Error('prepared messages are for the server role: client frames are masked per frame');
    if (this.sendOpcode !== 0) throw new Error('cannot send a prepared message while a fragmented message is open');
    if (message.compressed !== undefined && acceptsFreshlyCompressed(this.deflate, message.windowBits)) {
      return this.afterQueued(message.compressed);
    }
    return this.afterQueued(message.plain);
  }

  /**
   * {@link sendText} into a buffer the caller lends (see {@link OutputSink}): the frames, and
   * before them any the connection queued itself (a pong), are written into `sink`, a whole
   * uncompressed message with one copy and no frame objects. Returns what the sink could not
   * take (a frame larger than it accepts at once), to be written after what went into the sink
   * as `sendText`'s result would be; usually an empty list.
   */
  sendTextTo(sink: OutputSink, text: string | Uint8Array, options?: SendOptions): Uint8Array[] {
    return this.sendTo(sink, Opcode.TEXT, text, options);
  }

  /** {@link sendBinary} into a lent buffer: see {@link sendTextTo}. A string is sent as its UTF-8 bytes. */
  sendBinaryTo(sink: OutputSink, data: Uint8Array | string, options?: SendOptions): Uint8Array[] {
    return this.sendTo(sink, Opcode.BINARY, data, options);
  }

  /**
   * Sends one whole, uncompressed message framed once for many connections (server role
   * only): the first connection to send it writes its frame into `sink`, and each further one
   * that sends it through the same sink while the sink holds that frame commits it again
   * ({@link OutputSink.recommit}) instead of framing and copying it anew. Frames this
   * connection queued itself go first. Returns false when the sink cannot take the frame:
   * nothing of the message was written (the queued frames may have been), so send it another
   * way (`sendPrepared`, `sendText`...), which puts whatever is still queued first.
   * @throws {Error} when a close frame was already sent or a fragmented send is open.
   */
  sendSharedTo(sink: OutputSink, frame: SharedFrame): boolean {
    // Every receiver after the first: the frame is in the sink already and is committed again.
    // Kept apart and small: a publish loop calls this once per subscriber, and V8 inlines a
    // bounded amount of bytecode into one compiled function (the loop's); the first receiver's
    // framing and every error are in sendSharedFirst.
    if (frame.sink === sink && this.takesWholeFrame() && sink.recommit !== undefined && sink.recommit(frame.offset, frame.length, frame.generation)) {
      return true;
    }
    return this.sendSharedFirst(sink, frame);
  }

  /** {@link sendSharedTo} when the frame is not in the sink already (or cannot be committed again). */
  private sendSharedFirst(sink: OutputSink, frame: SharedFrame): boolean {
    this.assertCanSend();
    if (this.settings.masked) throw new Error('shared frames are for the server role: client frames are masked per frame');
    if (this.sendOpcode !== 0) throw new Error('cannot send a shared frame while a fragmented message is open');
    const out = this.outbox;
    if (out !== undefined) {
      if (!writeChunksTo(sink, out)) return false;
      this.outbox = undefined;
    }
    if (frame.sink === sink && sink.recommit !== undefined && sink.recommit(frame.offset, frame.length, frame.generation)) return true;
    const payload = frame.payload;
    const length = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length;
    const at = writeFrameTo(sink, true, false, frame.opcode, payload, false, length);
    if (at < 0) return false;
    frame.sink = sink;
    frame.generation = sink.generation ?? 0;
    frame.offset = at;
    frame.length = (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + length;
    return true;
  }

  /** Frames a ping (payload ≤ 125 bytes). */
  ping(data: Uint8Array = EMPTY): Uint8Array[] {
    this.assertCanSend();
    return this.afterQueued(this.controlFrame(Opcode.PING, data));
  }

  /** Frames an unsolicited pong (payload ≤ 125 bytes). */
  pong(data: Uint8Array = EMPTY): Uint8Array[] {
    this.assertCanSend();
    return this.afterQueued(this.controlFrame(Opcode.PONG, data));
  }

  /**
   * Starts the close handshake: frames a close with `code` (a valid wire code; omit for an
   * empty close) and `reason` (≤ 123 UTF-8 bytes). Afterwards received data messages are
   * ignored until the peer's close arrives (delivered with `deliverWhileClosing`). Throws if a close was already sent.
   */
  close(code?: number, reason = ''): Uint8Array[] {
    if (this.closeSent || this.failed) throw new Error('WebSocket close frame already sent');
    checkCloseArguments(code, reason);
    const frame = encodeFrame(Opcode.CLOSE, encodeClosePayload(code, reason), { mask: this.settings.masked });
    this.flags = afterCloseSent(this.flags);
    return this.afterQueued(frame);
  }

  // ---- FrameSink: the parser's callbacks -------------------------------------------------

  onFrame(fin: boolean, rsv1: boolean, opcode: number, bytes: Uint8Array, start: number, end: number): void {
    if (opcode >= 0x8) {
      this.onControl(opcode, bytes.subarray(start, end));
      return;
    }
    if (fin && opcode !== Opcode.CONTINUATION && !rsv1) {
      // Fast path: a whole unfragmented, uncompressed message, delivered without a copy.
      const len = end - start;
      if (len > this.settings.maxMessage) return this.fail('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', `message exceeds the limit of ${this.settings.maxMessage} bytes`);
      const handler = this.handler;
      const data = handler?.viewOf !== undefined ? handler.viewOf(bytes, start, end) : bytes.subarray(start, end);
      if (opcode === Opcode.TEXT && !this.settings.skipUtf8 && !isUtf8(data)) return this.fail('WS_ERR_INVALID_UTF8', 'invalid UTF-8 in a text message');
      this.deliver(data, opcode === Opcode.BINARY);
      return;
    }
    this.onFrameStart(fin, rsv1, opcode, end - start);
    if (this.failed) return;
    if (fin && rsv1 && opcode !== Opcode.CONTINUATION) {
      // A whole compressed message: inflated in one call, with its tail.
      const m = this.msg!;
      this.inflateInto(m, bytes, start, end, true, true);
      if (this.failed) return;
      this.completeMessage(m);
      return;
    }
    this.onFrameData(bytes, start, end);
    if (this.failed) return;
    this.onFrameEnd();
  }

  onFrameStart(fin: boolean, rsv1: boolean, opcode: number, length: number): void {
    let m = this.msg;
    if (opcode !== Opcode.CONTINUATION) {
      m = this.msg = new IncomingMessage(opcode, rsv1);
      if (opcode === Opcode.TEXT && !this.settings.skipUtf8) (this.utf8 ??= new Utf8Validator()).reset();
    }
    // The parser reports a continuation only inside a message.
    if (m === undefined) return;
    m.frameFin = fin;
    if (++m.fragments > this.settings.maxFragments) {
      return this.fail('WS_ERR_TOO_MANY_FRAGMENTS', `message split into more than ${this.settings.maxFragments} frames`);
    }
    if (!m.compressed && m.length + length > this.settings.maxMessage) {
      return this.fail('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', `message exceeds the limit of ${this.settings.maxMessage} bytes`);
    }
    // Allocated only after the limit checks: a header alone must not make us allocate more
    // than maxMessageLength (it may be far below maxPayloadLength).
    if (opcode !== Opcode.CONTINUATION && !rsv1 && fin) {
      // Single-frame message streaming in: its size is known, so one exact buffer.
      this.resize(m, length);
    }
  }

  onFrameData(bytes: Uint8Array, start: number, end: number): void {
    const m = this.msg;
    if (start === end || m === undefined) return;
    if (m.compressed) {
      this.inflateInto(m, bytes, start, end, false, false);
      return;
    }
    if (m.opcode === Opcode.TEXT && !this.settings.skipUtf8 && !this.utf8!.push(bytes, start, end)) {
      return this.fail('WS_ERR_INVALID_UTF8', 'invalid UTF-8 in a text message');
    }
    // Input bytes belong to the caller and may be reused after receive(): copied in.
    this.append(m, bytes, start, end);
  }

  onFrameEnd(): void {
    const m = this.msg;
    if (m === undefined || !m.frameFin) return;
    if (m.compressed) {
      this.inflateInto(m, EMPTY, 0, 0, true, false);
      if (this.failed) return;
    }
    this.completeMessage(m);
  }

  /** Validates the end of a complete message and delivers it. */
  private completeMessage(m: IncomingMessage): void {
    if (m.opcode === Opcode.TEXT && !this.settings.skipUtf8 && !this.utf8!.isComplete()) {
      return this.fail('WS_ERR_INVALID_UTF8', 'text message ends inside a UTF-8 sequence');
    }
    const length = m.length;
    let data: Uint8Array;
    if (length === 0) data = EMPTY;
    else if (m.buffer.length === length) data = m.buffer;
    else if (m.pooled || m.buffer.length - length <= length >>> 2) data = m.buffer.subarray(0, length);
    // A handler may keep the message: much spare room is not kept with it.
    else data = Buffer.from(m.buffer.subarray(0, length));
    this.msg = undefined;
    this.deliver(data, m.opcode === Opcode.BINARY);
    if (m.pooled) releaseMessageBuffer(m.buffer);
  }

  /** Copies `bytes[start, end)` to the end of `m`, growing its buffer when needed. */
  private append(m: IncomingMessage, bytes: Uint8Array, start: number, end: number): void {
    const need = m.length + (end - start);
    if (need > m.buffer.length) {
      // Geometric growth: a message of n bytes is copied O(n) times in all, whatever its frames.
      this.resize(m, Math.min(this.settings.maxMessage, Math.max(need, MIN_ASSEMBLY_BYTES, m.buffer.length * 2)));
    }
    const buffer = m.buffer;
    if (end - start <= 16) {
      // Tiny fragments: a loop, not a view object per fragment.
      for (let i = start, j = m.length; i < end; i++, j++) buffer[j] = bytes[i];
    } else {
      buffer.set(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end), m.length);
    }
    m.length = need;
  }

  /** Gives `m` a buffer of `capacity` bytes holding what it has so far. */
  private resize(m: IncomingMessage, capacity: number): void {
    const old = m.buffer;
    const wasPooled = m.pooled;
    if (this.settings.reuseBuffers && capacity >= MIN_POOLED_MESSAGE_BYTES) {
      m.buffer = takeMessageBuffer(capacity);
      m.pooled = true;
    } else {
      m.buffer = Buffer.allocUnsafe(capacity);
      m.pooled = false;
    }
    if (m.length > 0) m.buffer.set(old.subarray(0, m.length), 0);
    if (wasPooled) releaseMessageBuffer(old);
  }

  onError(error: ProtocolError): void {
    this.failWith(error);
  }

  // ---- internals -----------------------------------------------------------------------

  /** The permessage-deflate runtime, made on first use. */
  private deflateRuntime(): PerMessageDeflate {
    return (this.pmd ??= new PerMessageDeflate(this.deflate!, this.settings.role, this.settings));
  }

  /**
   * Inflates a piece of `m` (`whole`: the whole message, in one call) into its buffer; a
   * failure fails the connection.
   */
  private inflateInto(m: IncomingMessage, bytes: Uint8Array, start: number, end: number, final: boolean, whole: boolean): void {
    const before = m.length;
    const limit = this.settings.maxMessage - m.length;
    const pmd = this.deflateRuntime();
    const error = whole ? pmd.inflateMessage(bytes, start, end, limit, inflated) : pmd.inflatePiece(bytes, start, end, final, limit, inflated);
    if (error !== undefined) {
      inflated.length = 0;
      return this.failWith(error);
    }
    let failure: unknown = undefined;
    try {
      // The inflater's output is copied into the message's one buffer: nothing is kept per call.
      for (let i = 0; i < inflated.length; i++) {
        const piece = inflated[i];
        // The first piece is ours already: it becomes the buffer (a message inflated in one piece is not copied again).
        if (m.length === 0 && m.buffer.length === 0) {
          m.buffer = piece;
          m.length = piece.length;
        } else this.append(m, piece, 0, piece.length);
      }
    } catch (err) {
      failure = err;
    } finally {
      inflated.length = 0;
    }
    if (failure !== undefined) return this.failWith(new ProtocolError('WS_ERR_INFLATE_FAILED', `permessage-deflate: ${(failure as Error).message}`));
    if (m.opcode === Opcode.TEXT && !this.settings.skipUtf8 && m.length > before && !this.utf8!.push(m.buffer, before, m.length)) {
      this.fail('WS_ERR_INVALID_UTF8', 'invalid UTF-8 in a text message');
    }
  }

  private onControl(opcode: number, payload: Uint8Array): void {
    if (opcode === Opcode.PING) {
      // After our close frame nothing else may be sent, pongs included.
      // The pong waits in the outbox, and the ping payload is a view into reusable memory:
      // frame a copy (encodeFrame references unmasked payloads).
      if (this.settings.autoPong && !this.closeSent) (this.outbox ??= []).push(...encodeFrame(Opcode.PONG, payload.slice(), { mask: this.settings.masked }));
      if (this.handler !== undefined) this.handler.onPing?.(payload);
      else (this.events ??= []).push({ type: 'ping', data: Buffer.from(payload) });
      return;
    }
    if (opcode === Opcode.PONG) {
      if (this.handler !== undefined) this.handler.onPong?.(payload);
      else (this.events ??= []).push({ type: 'pong', data: Buffer.from(payload) });
      return;
    }
    this.onCloseFrame(payload);
  }

  private onCloseFrame(payload: Uint8Array): void {
    const read = readClosePayload(payload, this.settings.skipUtf8);
    if (read instanceof ProtocolError) return this.failWith(read);
    const { code, reason } = read;
    const reply = !this.closeSent;
    this.flags = afterCloseReceived(this.flags);
    this.parser?.stop();
    if (reply) {
      const echo = closeReplyPayload(payload, code, this.settings.echoCloseReason);
      (this.outbox ??= []).push(...encodeFrame(Opcode.CLOSE, echo, { mask: this.settings.masked }));
    }
    this._closeCode = code;
    this.releaseCompression();
    this.emitClose(code, reason, true);
  }

  private deliver(data: Uint8Array, binary: boolean): void {
    // After our close, data is discarded (RFC 6455 §1.4 allows it) unless told otherwise.
    if (this.closeSent && !this.settings.deliverWhileClosing) return;
    if (this.handler !== undefined) this.handler.onMessage(data, binary);
    else (this.events ??= []).push({ type: 'message', data, binary });
  }

  private fail(code: ConstructorParameters<typeof ProtocolError>[0], message: string): void {
    this.failWith(new ProtocolError(code, message));
  }

  /** Fails the connection: queue a close with the error's code and stop reading. */
  private failWith(error: ProtocolError): void {
    if (this.failed) return;
    const queueClose = !this.closeSent && error.closeCode !== CloseCode.ABNORMAL;
    this.flags = afterFailure(this.flags, queueClose);
    this.parser?.stop();
    this.msg = undefined;
    if (queueClose) {
      (this.outbox ??= []).push(...encodeFrame(Opcode.CLOSE, encodeClosePayload(error.closeCode, ''), { mask: this.settings.masked }));
    }
    this._closeCode = error.closeCode;
    this.releaseCompression();
    if (this.handler !== undefined) this.handler.onError?.(error);
    else (this.events ??= []).push({ type: 'error', error });
    this.emitClose(error.closeCode, error.message, false);
  }

  private emitClose(code: number, reason: string, wasClean: boolean): void {
    if (this.handler !== undefined) this.handler.onClose?.(code, reason, wasClean);
    else (this.events ??= []).push({ type: 'close', code, reason, wasClean });
  }

  private drainEvents(): ConnectionEvent[] {
    const ev = this.events;
    if (ev === undefined) return NO_EVENTS;
    this.events = undefined;
    return ev;
  }

  private assertCanSend(): void {
    // Our close is out, or the state is 'closed': one test of the packed flags on every send.
    if (sendingEnded(this.flags)) throw new Error('WebSocket is not open: a close frame was already sent');
  }

  /**
   * Frames the codec queued itself (a pong for a ping that arrived before the message being
   * handled now) go out first: a caller that writes what send* returns at once, from inside
   * onMessage, keeps the wire order without having to drain `takeOutgoing()` first.
   */
  private afterQueued(frames: Uint8Array[]): Uint8Array[] {
    const out = this.outbox;
    if (out === undefined) return frames;
    this.outbox = undefined;
    for (const f of frames) out.push(f);
    return out;
  }

  /** The `send*To` methods: the whole message at once when it can be, else the chunks copied in. */
  private sendTo(sink: OutputSink, type: number, data: string | Uint8Array, options: SendOptions | undefined): Uint8Array[] {
    this.assertCanSend();
    if (
      (this.flags & SEND_OPCODE_MASK) === 0 &&
      this.outbox === undefined &&
      (options === undefined || (options.fin !== false && options.fragmentSize === undefined)) &&
      (this.deflate === undefined || options?.compress === false) &&
      writeFrameTo(sink, true, false, type, data, this.settings.masked) >= 0
    ) {
      return NO_OUTPUT;
    }
    const frames =
      type === Opcode.TEXT ? this.sendText(data, options) : this.sendBinary(typeof data === 'string' ? Buffer.from(data, 'utf8') : data, options);
    return writeChunksTo(sink, frames) ? NO_OUTPUT : frames;
  }

  /** Opcode for the next data frame of a message of type `type`, tracking fragmented sends. */
  private dataOpcode(type: number, fin: boolean): number {
    const open = this.sendOpcode;
    if (open !== 0 && open !== type) throw new Error('a fragmented message of the other type is still open');
    this.sendOpcode = fin ? 0 : type;
    return open === 0 ? type : Opcode.CONTINUATION;
  }

  private sendData(type: number, data: Uint8Array, options: SendOptions | undefined): Uint8Array[] {
    const size = options?.fragmentSize;
    // Checked before any state changes: a throw must not leave a fragmented send open or the
    // deflater holding data the peer never receives.
    if (size !== undefined && !(size >= 1)) throw new RangeError('fragmentSize must be at least 1');
    const fin = options?.fin ?? true;
    const first = this.sendOpcode === 0;
    const opcode = this.dataOpcode(type, fin);
    let payload = data;
    let rsv1 = false;
    if (first) {
      const want = options?.compress ?? data.length >= this.settings.compressThreshold;
      this.sendCompressed = this.deflate !== undefined && want;
    }
    if (this.sendCompressed) {
      payload = this.deflateRuntime().compress(data, fin, first);
      rsv1 = first;
    }
    if (size === undefined || payload.length <= size) {
      return encodeFrame(opcode, payload, { fin, rsv1, mask: this.settings.masked });
    }
    const out: Uint8Array[] = [];
    for (let off = 0; off < payload.length; off += size) {
      const last = off + size >= payload.length;
      const frames = encodeFrame(off === 0 ? opcode : Opcode.CONTINUATION, payload.subarray(off, off + size), {
        fin: fin && last,
        rsv1: rsv1 && off === 0,
        mask: this.settings.masked,
      });
      for (const f of frames) out.push(f);
    }
    return out;
  }

  private controlFrame(opcode: number, data: Uint8Array): Uint8Array[] {
    const length = data.length;
    if (length > 125) throw new RangeError('a control frame payload must be 125 bytes or less');
    if (this.settings.masked) return encodeFrame(opcode, data, { mask: true }); // a masked frame is a copy
    // Copied, never referenced: the payload is often a view of reusable memory (a ping's payload
    // in the parser's buffer, answered from onPing), and a write may be queued past the next
    // receive, which would overwrite it. At most 127 bytes: cheaper than a second write anyway.
    const frame = Buffer.allocUnsafe(2 + length);
    frame[0] = 0x80 | opcode;
    frame[1] = length;
    frame.set(data, 2);
    return [frame];
  }

  private newParser(): FrameParser {
    return new FrameParser(this, {
      role: this.settings.role,
      maxPayloadLength: this.settings.maxPayload,
      rsv1Allowed: this.deflate !== undefined,
      unmask: this.settings.unmask,
    });
  }

  private releaseCompression(): void {
    // The shared streams stay open for the other connections.
    this.pmd?.close();
    this.pmd = undefined;
  }
}
