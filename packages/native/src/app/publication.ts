/**
 * One message sent to many sockets (`publish`, `Server#broadcast`): framed once for all of its
 * subscribers, and compressed once, only when a subscriber that negotiated permessage-deflate
 * asks for it. On a transport with a send buffer (the epoll transport's arena) the codec frames
 * it once into that buffer and every subscriber's command references it (`SharedFrame`);
 * elsewhere it is framed once into one buffer.
 */
import { Buffer } from 'node:buffer';
import { Opcode, type PreparedMessage, SharedFrame, frameHeaderLength, prepareMessage, writeFrameHeader } from '@uws/protocol';
import { type RecognizedString, toBytes } from './recognized-string.js';

const EMPTY = new Uint8Array(0);

/**
 * A publication is reusable (`reset`): an App keeps one for its publishes, so a publish
 * allocates nothing on the epoll transport. Each reset is a new `version`, and its shared frame
 * forgets where it was written, so a frame in the send arena is never taken for another message's.
 */
export class Publication {
  /** What the `dropped` handler gets. */
  message: RecognizedString = EMPTY;
  isBinary = false;
  /** The payload to frame: text as given, bytes as a Uint8Array view. */
  payload: Uint8Array | string = EMPTY;
  /** Counts resets. */
  version = 0;
  /** The message as one frame the codec writes once into a send buffer for every subscriber. */
  readonly shared = new SharedFrame();
  private compress = false;
  /** The whole uncompressed frame, made on first need (owned by this publication). */
  private plainFrame: Uint8Array | undefined;
  /** The plain frame alone, and (made on first need) with a compressed variant. */
  private plainOnly: PreparedMessage | undefined;
  private withDeflate: PreparedMessage | undefined;

  constructor(message?: RecognizedString, isBinary = false, compress = false) {
    if (message !== undefined) this.reset(message, isBinary, compress);
  }

  /** Makes this the publication of another message. */
  reset(message: RecognizedString, isBinary: boolean, compress: boolean): this {
    this.message = message;
    this.isBinary = isBinary;
    this.compress = compress;
    this.payload = typeof message === 'string' ? message : toBytes(message);
    this.version = (this.version + 1) | 0;
    this.shared.reset(isBinary ? Opcode.BINARY : Opcode.TEXT, this.payload);
    this.plainFrame = undefined;
    this.plainOnly = undefined;
    this.withDeflate = undefined;
    return this;
  }

  /** Lets go of the message and its frames (a kept publication must not hold them). */
  clear(): void {
    this.message = EMPTY;
    this.payload = EMPTY;
    this.shared.clear();
    this.plainFrame = undefined;
    this.plainOnly = undefined;
    this.withDeflate = undefined;
  }

  get opcode(): number {
    return this.isBinary ? Opcode.BINARY : Opcode.TEXT;
  }

  /** Whether a socket that negotiated permessage-deflate may be sent a compressed frame. */
  get compresses(): boolean {
    return this.compress;
  }

  /** The whole uncompressed frame (header and payload in one buffer). */
  get frame(): Uint8Array {
    return (this.plainFrame ??= frameOf(this.payload, this.opcode));
  }

  /**
   * The message for a socket: with a compressed variant when compression was asked for and the
   * socket negotiated permessage-deflate (the codec decides whether it may take it).
   */
  preparedFor(negotiatedDeflate: boolean): PreparedMessage {
    const plainOnly = (this.plainOnly ??= { plain: [this.frame], compressed: undefined, windowBits: 15 });
    if (!this.compress || !negotiatedDeflate) return plainOnly;
    if (this.withDeflate === undefined) {
      const frame = this.frame;
      const payload = frame.subarray(headerLengthOf(frame));
      const compressed = prepareMessage(payload, { binary: this.isBinary, compress: true });
      this.withDeflate = { plain: plainOnly.plain, compressed: compressed.compressed, windowBits: compressed.windowBits };
    }
    return this.withDeflate;
  }
}

/** Frames an unfragmented, unmasked message into one fresh buffer (text is written as UTF-8). */
export function frameOf(payload: Uint8Array | string, opcode: number): Uint8Array {
  if (typeof payload === 'string') {
    const length = Buffer.byteLength(payload, 'utf8');
    const header = frameHeaderLength(length, false);
    const frame = Buffer.allocUnsafe(header + length);
    writeFrameHeader(frame, 0, true, false, opcode, length, false);
    frame.write(payload, header, 'utf8');
    return frame;
  }
  const header = frameHeaderLength(payload.length, false);
  const frame = Buffer.allocUnsafe(header + payload.length);
  writeFrameHeader(frame, 0, true, false, opcode, payload.length, false);
  frame.set(payload, header);
  return frame;
}

/** Header length of an unmasked frame, read from its second byte. */
function headerLengthOf(frame: Uint8Array): number {
  const len7 = frame[1] & 0x7f;
  return len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
}
