/**
 * ws's `Sender`, reduced to the two pieces code outside ws relies on: the static
 * `Sender.frame(data, options)` that frames a message once (Socket.IO pre-encodes broadcasts
 * with it), and `ws._sender.sendFrame(list, cb)` that writes such a frame to one connection.
 */
import { Buffer } from 'node:buffer';
import { maskInto, writeFrameHeader } from '@uws/protocol';

/** Options of {@link Sender.frame}, as ws names them. */
export interface FrameOptions {
  /** Opcode: 1 text, 2 binary, 8 close, 9 ping, 10 pong, 0 continuation. */
  opcode: number;
  /** Last frame of the message. */
  fin?: boolean;
  /** RSV1 (the payload is compressed). */
  rsv1?: boolean;
  /** Mask the payload (a client's frame). */
  mask?: boolean;
  /** With `mask`: `data` must not be modified, so the masked copy goes in a new buffer. */
  readOnly?: boolean;
  /** With `mask`: the 4-byte mask to use (default: random). */
  maskBuffer?: Uint8Array;
  /** With `mask`: fills the mask. */
  generateMask?: (mask: Uint8Array) => void;
}

interface FrameTarget {
  _sendFrame(list: readonly Uint8Array[], cb: ((error?: Error | null) => void) | undefined): void;
}

/** ws's `Sender`: `Sender.frame(data, options)` builds frames once; `ws._sender.sendFrame(list, cb)` writes them. */
export class Sender {
  /** @internal */
  private readonly _ws: FrameTarget;

  /** @internal Made by a WebSocket for its connection. */
  constructor(ws: FrameTarget) {
    this._ws = ws;
  }

  /**
   * Frames `data`: returns `[header, payload]` (the payload referenced, not copied) for an
   * unmasked frame, or the masked frame.
   */
  static frame(data: string | Uint8Array, options: FrameOptions): Buffer[] {
    const payload = typeof data === 'string' ? Buffer.from(data) : Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const length = payload.length;
    const masked = options.mask === true;
    const headerLength = (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
    if (!masked) {
      const header = Buffer.allocUnsafe(headerLength);
      writeFrameHeader(header, 0, options.fin === true, options.rsv1 === true, options.opcode, length, false);
      return [header, payload];
    }
    const frame = Buffer.allocUnsafe(headerLength + length);
    const o = writeFrameHeader(frame, 0, options.fin === true, options.rsv1 === true, options.opcode, length, true);
    if (options.maskBuffer !== undefined || options.generateMask !== undefined) {
      const key = options.maskBuffer ?? Buffer.alloc(4);
      options.generateMask?.(key);
      frame.set(key.subarray(0, 4), o - 4);
    }
    maskInto(payload, frame, o, frame, o - 4);
    return [frame];
  }

  /** Writes frames made by {@link Sender.frame}; `cb(err?)` once they left. */
  sendFrame(list: readonly Uint8Array[], cb?: (error?: Error | null) => void): void {
    this._ws._sendFrame(list, cb);
  }
}
