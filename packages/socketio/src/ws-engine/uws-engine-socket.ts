/**
 * The WebSocket that {@link UwsEngine} makes for each connection: `@uws/ws-compat`'s WebSocket
 * (engine.io's `send(data, cb)`, `send(data, { compress }, cb)`, `_sender.sendFrame`,
 * `_socket.remoteAddress`), whose two broadcast paths write a message sent to many sockets in
 * one tick as one shared frame (see fan-out.ts).
 */
import { Buffer } from 'node:buffer';
import { type SendOpts, WebSocket } from '@uws/ws-compat';
import { sharedBinaryFrame, sharedListFrame } from './fan-out.js';

type Callback = (error?: Error | null) => void;

const OPEN = 1;

/** The WebSocket {@link UwsEngine} makes for each connection (broadcasts written as one shared frame). */
export class UwsEngineSocket extends WebSocket {
  /**
   * ws's `send`. The callback is always called: after the bytes left, or with an error when
   * the socket is closing or closed (engine.io waits for it before it writes again).
   */
  override send(data: Parameters<WebSocket['send']>[0], options?: SendOpts | Callback, cb?: Callback): void {
    if (typeof options === 'function') {
      cb = options;
      options = undefined;
    }
    // A binary message as engine.io hands it over for each recipient of a broadcast.
    if (Buffer.isBuffer(data) && plainBinary(options) && this._sharable()) {
      const frame = sharedBinaryFrame(data);
      if (frame !== undefined) return this._writeShared(frame, cb);
    }
    super.send(data, options, cb);
  }

  /** @internal ws's `Sender#sendFrame`: socket.io-adapter's pre-encoded frames. */
  override _sendFrame(list: readonly Uint8Array[], cb: Callback | undefined): void {
    if (this._sharable()) {
      const frame = sharedListFrame(list);
      if (frame !== undefined) return this._writeShared(frame, cb);
    }
    super._sendFrame(list, cb);
  }

  /** Open, nothing queued ahead, no permessage-deflate: a ready frame may go out as it is. */
  private _sharable(): boolean {
    return this._readyState === OPEN && !this._closeFrameSent && this._extensions === '' && this._preOpen === undefined && this._sendQueue === undefined;
  }

  /** Writes a frame shared by many sockets; `cb` as `_write` runs it (after backpressure clears). */
  private _writeShared(frame: Buffer, cb: Callback | undefined): void {
    const hub = this._hub!;
    // The transport's batch abilities (the native send arena) copy it once for every socket.
    const batch = hub.transport.batch;
    const clear = batch !== undefined ? batch.writeShared(this._id, frame) : hub.transport.write(this._id, frame);
    if (cb === undefined) return;
    if (clear && this._pendingCallbacks === undefined) hub.defer(cb);
    else (this._pendingCallbacks ??= []).push(cb);
  }
}

/** engine.io's sends: no options, or `{ compress }` (irrelevant without permessage-deflate). */
function plainBinary(options: SendOpts | undefined): boolean {
  return options === undefined || (options.binary !== false && options.fin !== false);
}
