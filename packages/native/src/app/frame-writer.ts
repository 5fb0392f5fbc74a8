/**
 * The optional transport face that frames a whole message straight into its send buffer (the
 * epoll transport's send arena): header and payload written once, one command, no frame
 * objects, instead of the codec's [header, payload] chunks copied one by one.
 */
import type { SocketId } from '../transport/transport.js';

export interface FrameWriter {
  /**
   * Writes one final, unmasked, uncompressed frame of `opcode` carrying `payload` (a string is
   * sent as UTF-8). Returns true (sent or flushed with this batch) or false (backpressure) like
   * `Transport#write`, or undefined when it did not write (too large for the buffer: frame it
   * the usual way).
   */
  writeFrame(id: SocketId, opcode: number, payload: Uint8Array | string): boolean | undefined;
}

/** The transport's {@link FrameWriter} face, if it has one. */
export function frameWriterOf(transport: object): FrameWriter | undefined {
  return typeof (transport as Partial<FrameWriter>).writeFrame === 'function' ? (transport as FrameWriter) : undefined;
}
