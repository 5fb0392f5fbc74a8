/**
 * One message sent to many sockets (`publish`, `Server#broadcast`): framed once for all of its
 * subscribers, and compressed once, only when a subscriber that negotiated permessage-deflate
 * asks for it. On the epoll transport the frame is written once into the send arena and every
 * subscriber's command references it; elsewhere it is framed once into one buffer.
 */
import { Buffer } from 'node:buffer';
import { Opcode, type PreparedMessage, frameHeaderLength, prepareMessage, writeFrameHeader } from '@uws/protocol';
import type { SocketId } from '../transport/transport.js';
import { type RecognizedString, toBytes } from './recognized-string.js';

/**
 * A transport that can send the same bytes to many sockets and copy them once (the epoll
 * transport's send arena). Optional: without it each socket's write gets the bytes.
 */
export interface SharedWriter {
  /**
   * Like `Transport#write`; `data` must not change until the current batch is flushed, so the
   * transport may reference one copy of it for every socket it is written to.
   */
  writeShared(id: SocketId, data: Uint8Array): boolean;
  /**
   * Frames one final, unmasked, uncompressed message of `opcode` carrying `payload` for `id`
   * straight into the transport's send buffer. Calls with the same `token` and `version` share
   * the frame written by the first while the buffer holds it. Returns like `Transport#write`,
   * or undefined when the frame is too large for the buffer (nothing written). Optional.
   */
  writeFrameShared?(id: SocketId, token: object, version: number, opcode: number, payload: Uint8Array | string): boolean | undefined;
}

/** The transport's {@link SharedWriter} face, if it has one. */
export function sharedWriterOf(transport: object): SharedWriter | undefined {
  return typeof (transport as Partial<SharedWriter>).writeShared === 'function' ? (transport as SharedWriter) : undefined;
}

const EMPTY = new Uint8Array(0);

/**
 * A publication is reusable (`reset`): an App keeps one for its publishes, so a publish
 * allocates nothing on the epoll transport. Each reset is a new `version`, so a frame shared in
 * the send arena is never taken for another message's.
 */
export class Publication {
  /** What the `dropped` handler gets. */
  message: RecognizedString = EMPTY;
  isBinary = false;
  /** The payload to frame: text as given, bytes as a Uint8Array view. */
  payload: Uint8Array | string = EMPTY;
  /** Counts resets: with this object, it names the message in a shared send buffer. */
  version = 0;
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
    this.plainFrame = undefined;
    this.plainOnly = undefined;
    this.withDeflate = undefined;
    return this;
  }

  /** Lets go of the message and its frames (a kept publication must not hold them). */
  clear(): void {
    this.message = EMPTY;
    this.payload = EMPTY;
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

/** Frames an unfragmented, unmasked message into one fresh buffer. */
function frameOf(payload: Uint8Array | string, opcode: number): Uint8Array {
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
