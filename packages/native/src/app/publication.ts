/**
 * One message sent to many sockets (`publish`, `Server#broadcast`): framed once into a single
 * buffer that every subscriber's write references, and compressed once, only when a subscriber
 * that negotiated permessage-deflate asks for it.
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
}

/** The transport's {@link SharedWriter} face, if it has one. */
export function sharedWriterOf(transport: object): SharedWriter | undefined {
  return typeof (transport as Partial<SharedWriter>).writeShared === 'function' ? (transport as SharedWriter) : undefined;
}

export class Publication {
  /** What the `dropped` handler gets. */
  readonly message: RecognizedString;
  readonly isBinary: boolean;
  /** The whole uncompressed frame (header and payload in one buffer, owned by this publication). */
  readonly frame: Uint8Array;
  private readonly compress: boolean;
  /** The plain frame alone, and (made on first need) with a compressed variant. */
  private readonly plainOnly: PreparedMessage;
  private withDeflate: PreparedMessage | undefined;

  constructor(message: RecognizedString, isBinary: boolean, compress: boolean) {
    this.message = message;
    this.isBinary = isBinary;
    this.compress = compress;
    this.frame = frameOf(message, isBinary);
    this.plainOnly = { plain: [this.frame], compressed: undefined, windowBits: 15 };
  }

  /**
   * The message for a socket: with a compressed variant when compression was asked for and the
   * socket negotiated permessage-deflate (the codec decides whether it may take it).
   */
  preparedFor(negotiatedDeflate: boolean): PreparedMessage {
    if (!this.compress || !negotiatedDeflate) return this.plainOnly;
    if (this.withDeflate === undefined) {
      const payload = this.frame.subarray(headerLengthOf(this.frame));
      const compressed = prepareMessage(payload, { binary: this.isBinary, compress: true });
      this.withDeflate = { plain: this.plainOnly.plain, compressed: compressed.compressed, windowBits: compressed.windowBits };
    }
    return this.withDeflate;
  }
}

/** Frames an unfragmented, unmasked message into one fresh buffer. */
function frameOf(message: RecognizedString, isBinary: boolean): Uint8Array {
  const opcode = isBinary ? Opcode.BINARY : Opcode.TEXT;
  if (typeof message === 'string') {
    const length = Buffer.byteLength(message, 'utf8');
    const header = frameHeaderLength(length, false);
    const frame = Buffer.allocUnsafe(header + length);
    writeFrameHeader(frame, 0, true, false, opcode, length, false);
    frame.write(message, header, 'utf8');
    return frame;
  }
  const payload = toBytes(message);
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
