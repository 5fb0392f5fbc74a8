import type { Role } from './role.js';
import { ProtocolError } from './errors.js';
import { type UnmaskAccelerator, unmaskInPlace } from './mask.js';
import { Opcode } from './opcodes.js';

/** Receives what the parser finds. Payload bytes are already unmasked. */
export interface FrameSink {
  /**
   * A frame whose whole payload is `bytes[start, end)`: every control frame, and every data
   * frame that arrived within one `push()`. The bytes are a view of the caller's input (or of
   * the parser's small control buffer), valid until `push()` returns.
   */
  onFrame(fin: boolean, rsv1: boolean, opcode: number, bytes: Uint8Array, start: number, end: number): void;
  /** A data frame of `length` payload bytes whose payload spans several `push()` calls. */
  onFrameStart(fin: boolean, rsv1: boolean, opcode: number, length: number): void;
  /** The next piece of the frame announced by `onFrameStart`, valid until `push()` returns. */
  onFrameData(bytes: Uint8Array, start: number, end: number): void;
  /** The frame announced by `onFrameStart` is complete. */
  onFrameEnd(): void;
  /** The peer broke the protocol; the parser ignores all further input. */
  onError(error: ProtocolError): void;
}

/** Options of {@link FrameParser}. */
export interface FrameParserOptions {
  /** Our role: a server requires masked frames, a client refuses them. */
  role: Role;
  /**
   * Largest payload of one data frame, in bytes; a bigger frame fails with 1009 as soon as its
   * header is read. Default: 100 MiB (ws's default `maxPayload`).
   */
  maxPayloadLength?: number;
  /**
   * Whether a negotiated extension (permessage-deflate) gives RSV1 a meaning. Default: false,
   * so any RSV1 bit is a protocol error (1002).
   */
  rsv1Allowed?: boolean;
  /**
   * A faster XOR (e.g. native code) for unmasking payload pieces of at least
   * `UNMASK_ACCELERATOR_MIN_BYTES`. Default: the process-wide one of `setUnmaskAccelerator`,
   * else the JavaScript loop.
   */
  unmask?: UnmaskAccelerator;
}

/**
 * The masking key of the frame being unmasked, written just before each unmask call: parsing
 * is synchronous, so one scratch serves every parser and no connection holds a typed array
 * for its key (an idle connection costs less).
 */
const KEY = new Uint8Array(4);

/** Default of {@link FrameParserOptions.maxPayloadLength}: 100 MiB. */
export const DEFAULT_MAX_PAYLOAD_LENGTH = 100 * 1024 * 1024;

const enum State {
  HEADER,
  DATA,
  CONTROL,
  FAILED,
}

/**
 * Incremental RFC 6455 frame parser. It gives the same frames however the input is split, from
 * one byte per `push()` to thousands of frames in one. Masked payloads are unmasked in place
 * in the caller's buffer (no copy); only a header or a control frame cut by a chunk boundary
 * is copied, into small buffers owned by the parser.
 */
export class FrameParser {
  private readonly masked: boolean;
  private readonly maxPayload: number;
  /** The faster XOR for large payloads, if one was passed in. */
  private readonly unmask: UnmaskAccelerator | undefined;
  private rsv1Allowed: boolean;
  private state: State = State.HEADER;

  /** Header bytes collected so far when a header is split between chunks (allocated then). */
  private hdr: Uint8Array | undefined;
  private hdrLen = 0;

  private fin = false;
  private rsv1 = false;
  private opcode = 0;
  /** The current frame's masking key, bytes 0–3. */
  private k0 = 0;
  private k1 = 0;
  private k2 = 0;
  private k3 = 0;
  private maskPhase = 0;
  /** Payload bytes still expected for the current frame. */
  private remaining = 0;

  /** A control frame split between chunks is gathered here (allocated then). */
  private ctrl: Uint8Array | undefined;
  private ctrlLen = 0;
  private ctrlFill = 0;

  /** A fragmented data message is in progress (continuations expected). */
  private inMessage = false;

  constructor(
    private readonly sink: FrameSink,
    options: FrameParserOptions,
  ) {
    this.masked = options.role === 'server';
    this.maxPayload = options.maxPayloadLength ?? DEFAULT_MAX_PAYLOAD_LENGTH;
    this.rsv1Allowed = options.rsv1Allowed ?? false;
    this.unmask = options.unmask;
  }

  /** True once a protocol error was reported; further input is ignored. */
  get failed(): boolean {
    return this.state === State.FAILED;
  }

  /** Allows RSV1 on first data frames once permessage-deflate is negotiated. */
  setRsv1Allowed(allowed: boolean): void {
    this.rsv1Allowed = allowed;
  }

  /** Parses `bytes[start, end)`. Masked payloads in it are unmasked in place. */
  push(bytes: Uint8Array, start = 0, end = bytes.length): void {
    let pos = start;
    while (pos < end) {
      const state = this.state;
      if (state === State.HEADER) {
        pos = this.readHeader(bytes, pos, end);
      } else if (state === State.DATA) {
        const n = Math.min(this.remaining, end - pos);
        if (this.masked) this.maskPhase = unmaskInPlace(bytes, pos, pos + n, this.key(), 0, this.maskPhase, this.unmask);
        this.remaining -= n;
        const stop = pos + n;
        this.sink.onFrameData(bytes, pos, stop);
        pos = stop;
        if (this.remaining === 0 && this.state === State.DATA) {
          this.state = State.HEADER;
          this.sink.onFrameEnd();
        }
      } else if (state === State.CONTROL) {
        const n = Math.min(this.ctrlLen - this.ctrlFill, end - pos);
        const ctrl = (this.ctrl ??= new Uint8Array(125));
        ctrl.set(bytes.subarray(pos, pos + n), this.ctrlFill);
        this.ctrlFill += n;
        pos += n;
        if (this.ctrlFill === this.ctrlLen) {
          this.state = State.HEADER;
          if (this.masked) unmaskInPlace(ctrl, 0, this.ctrlLen, this.key(), 0, 0);
          this.sink.onFrame(true, false, this.opcode, ctrl, 0, this.ctrlLen);
        }
      } else {
        return;
      }
    }
  }

  /** Reads one header (and, when it is all there, the whole frame). Returns the new position. */
  private readHeader(bytes: Uint8Array, pos: number, end: number): number {
    let src = bytes;
    let p = pos;
    if (this.hdrLen > 0 || end - pos < 2) {
      // Slow path: the header is cut by a chunk boundary; gather it in `hdr`.
      const hdr = (this.hdr ??= new Uint8Array(14));
      const need = this.hdrLen < 2 ? 2 : this.headerSize(hdr[1]);
      while (this.hdrLen < need && pos < end) hdr[this.hdrLen++] = bytes[pos++];
      if (this.hdrLen < 2) return pos;
      const full = this.headerSize(hdr[1]);
      while (this.hdrLen < full && pos < end) hdr[this.hdrLen++] = bytes[pos++];
      if (this.hdrLen < full) return pos;
      src = hdr;
      p = 0;
      this.hdrLen = 0;
      if (!this.decodeHeader(src, p)) return end;
      return this.beginPayload(bytes, pos, end);
    }
    const size = this.headerSize(bytes[pos + 1]);
    if (end - pos < size) {
      const hdr = (this.hdr ??= new Uint8Array(14));
      for (let i = pos; i < end; i++) hdr[this.hdrLen++] = bytes[i];
      return end;
    }
    if (!this.decodeHeader(src, p)) return end;
    return this.beginPayload(bytes, pos + size, end);
  }

  private headerSize(b1: number): number {
    const len7 = b1 & 0x7f;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + ((b1 & 0x80) !== 0 ? 4 : 0);
  }

  /** Decodes and validates the header at `src[p]`. Returns false after reporting an error. */
  private decodeHeader(src: Uint8Array, p: number): boolean {
    const b0 = src[p];
    const b1 = src[p + 1];
    const fin = (b0 & 0x80) !== 0;
    const rsv1 = (b0 & 0x40) !== 0;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;

    if ((b0 & 0x30) !== 0) return this.fail('WS_ERR_UNEXPECTED_RSV_2_3', 'RSV2 and RSV3 must be clear');
    if (masked !== this.masked) {
      return this.masked
        ? this.fail('WS_ERR_EXPECTED_MASK', 'a client frame must be masked')
        : this.fail('WS_ERR_UNEXPECTED_MASK', 'a server frame must not be masked');
    }

    let length: number;
    let q = p + 2;
    if (len7 === 126) {
      length = (src[q] << 8) | src[q + 1];
      q += 2;
    } else if (len7 === 127) {
      const hi = ((src[q] << 24) | (src[q + 1] << 16) | (src[q + 2] << 8) | src[q + 3]) >>> 0;
      const lo = ((src[q + 4] << 24) | (src[q + 5] << 16) | (src[q + 6] << 8) | src[q + 7]) >>> 0;
      if (hi >= 0x80000000) {
        return this.fail('WS_ERR_INVALID_PAYLOAD_LENGTH', 'the most significant bit of a 64-bit length must be 0');
      }
      // Lengths past 2^53 cannot be represented exactly; they are over any limit anyway.
      length = hi > 0x1fffff ? Number.MAX_SAFE_INTEGER : hi * 0x100000000 + lo;
      q += 8;
    } else {
      length = len7;
    }

    if (opcode >= 0x8) {
      if (opcode > Opcode.PONG) return this.fail('WS_ERR_INVALID_OPCODE', `reserved control opcode 0x${opcode.toString(16)}`);
      if (!fin) return this.fail('WS_ERR_EXPECTED_FIN', 'a control frame must not be fragmented');
      if (rsv1) return this.fail('WS_ERR_UNEXPECTED_RSV_1', 'RSV1 must be clear on a control frame');
      if (length > 125) {
        return this.fail('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'a control frame payload must be 125 bytes or less');
      }
    } else {
      if (opcode === Opcode.CONTINUATION) {
        if (!this.inMessage) return this.fail('WS_ERR_UNEXPECTED_CONTINUATION', 'continuation frame without a message to continue');
        if (rsv1) return this.fail('WS_ERR_UNEXPECTED_RSV_1', 'RSV1 must be clear on a continuation frame');
      } else if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
        if (this.inMessage) return this.fail('WS_ERR_EXPECTED_CONTINUATION', 'new data message before the previous one ended');
        if (rsv1 && !this.rsv1Allowed) return this.fail('WS_ERR_UNEXPECTED_RSV_1', 'RSV1 set but no extension was negotiated');
      } else {
        return this.fail('WS_ERR_INVALID_OPCODE', `reserved data opcode 0x${opcode.toString(16)}`);
      }
      if (length > this.maxPayload) {
        return this.fail('WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', `frame payload of ${length} bytes exceeds the limit of ${this.maxPayload}`);
      }
      this.inMessage = !fin;
    }

    if (masked) {
      this.k0 = src[q];
      this.k1 = src[q + 1];
      this.k2 = src[q + 2];
      this.k3 = src[q + 3];
    }
    this.fin = fin;
    this.rsv1 = rsv1;
    this.opcode = opcode;
    this.remaining = length;
    return true;
  }

  /** After a header: deliver the frame whole if it is all here, else start streaming it. */
  private beginPayload(bytes: Uint8Array, pos: number, end: number): number {
    const length = this.remaining;
    if (end - pos >= length) {
      const stop = pos + length;
      if (this.masked && length > 0) unmaskInPlace(bytes, pos, stop, this.key(), 0, 0, this.unmask);
      this.remaining = 0;
      this.sink.onFrame(this.fin, this.rsv1, this.opcode, bytes, pos, stop);
      return stop;
    }
    if (this.opcode >= 0x8) {
      this.state = State.CONTROL;
      this.ctrlLen = length;
      this.ctrlFill = 0;
      return pos;
    }
    this.state = State.DATA;
    this.maskPhase = 0;
    this.sink.onFrameStart(this.fin, this.rsv1, this.opcode, length);
    return pos;
  }

  /** The shared key scratch, loaded with this frame's key. */
  private key(): Uint8Array {
    KEY[0] = this.k0;
    KEY[1] = this.k1;
    KEY[2] = this.k2;
    KEY[3] = this.k3;
    return KEY;
  }

  private fail(code: ConstructorParameters<typeof ProtocolError>[0], message: string): false {
    this.state = State.FAILED;
    this.sink.onError(new ProtocolError(code, message));
    return false;
  }

  /** Stops parsing: everything pushed from now on is ignored. */
  stop(): void {
    this.state = State.FAILED;
  }
}
