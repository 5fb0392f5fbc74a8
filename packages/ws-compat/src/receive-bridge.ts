/**
 * The receive path of a WebSocket: bytes from the transport into its codec, and the codec's
 * events out as ws's (`'message'` by `binaryType`, `'ping'`, `'pong'`, the peer's close frame,
 * `'error'` for a protocol error), held back one per macrotask under
 * `allowSynchronousEvents: false`.
 */
import { Buffer } from 'node:buffer';
import type { Connection, ConnectionHandler, ProtocolError } from '@uws/protocol';
import { rethrowOnNextTick } from '@uws/native';
import { CLOSING, EMPTY_BUFFER, NO_AUTO_PONG, OPEN } from './constants.js';
import { type WsError, wsErrorFrom } from './errors.js';
import { writeFrames } from './send-queue.js';
import type { RawData, WebSocket } from './websocket.js';

/**
 * The ArrayBuffer of the chunk a WebSocket is receiving (views into it are copied for the
 * user, since the transport reuses it). One per process: receiving is synchronous, and a nested
 * receive restores the outer value when it returns.
 */
let receiving: ArrayBufferLike | undefined;

/** Feeds `data` (a view into the transport's buffer) to `conn`; its events reach `conn`'s bridge. */
export function receive(conn: Connection, data: Uint8Array): void {
  const outer = receiving;
  receiving = data.buffer;
  try {
    conn.receive(data);
  } finally {
    receiving = outer;
  }
}

/** The ConnectionHandler of one WebSocket (kept off the public class; ws's `_receiver`). */
export class ReceiverBridge implements ConnectionHandler {
  readonly ws: WebSocket;
  constructor(ws: WebSocket) {
    this.ws = ws;
  }

  onMessage(data: Uint8Array, isBinary: boolean): void {
    const ws = this.ws;
    const message = toMessage(ws, data, isBinary);
    if (!ws._allowSynchronousEvents) {
      hold(ws, 'message', message, isBinary);
      return;
    }
    try {
      ws.emit('message', message as RawData, isBinary);
    } catch (error) {
      rethrowOnNextTick(error);
    }
  }

  /**
   * A ping: the automatic pong first, then 'ping' (ws's order). As in ws 8.23, a peer with more
   * than `maxPendingAutoPongs` pongs not yet written (it pings and does not read) is terminated
   * instead of having its pongs queue without bound.
   */
  onPing(data: Uint8Array): void {
    const ws = this.ws;
    const limit = ws._pongLimit;
    if (limit !== NO_AUTO_PONG && ws._readyState === OPEN) {
      if (limit > 0 && ws._pendingAutoPongs >= limit) {
        ws.terminate();
      } else {
        ws._pendingAutoPongs++;
        writeFrames(ws, ws._conn!.pong(data), () => ws._pendingAutoPongs--);
      }
    }
    this.onControl('ping', data);
  }

  onPong(data: Uint8Array): void {
    this.onControl('pong', data);
  }

  private onControl(kind: 'ping' | 'pong', data: Uint8Array): void {
    const ws = this.ws;
    const payload = Buffer.from(data);
    if (!ws._allowSynchronousEvents) {
      hold(ws, kind, payload, false);
      return;
    }
    try {
      ws.emit(kind, payload);
    } catch (error) {
      rethrowOnNextTick(error);
    }
  }

  /** The peer's close frame (or our own failure/EOF, which are ignored here). */
  onClose(code: number, reason: string): void {
    const ws = this.ws;
    if (ws._eof || ws._errorEmitted) return;
    ws._closeFrameReceived = true;
    ws._closeCode = code;
    ws._closeMessage = reason === '' ? EMPTY_BUFFER : Buffer.from(reason, 'utf8');
    // The codec has queued the answering close frame (ws echoes code and reason).
    ws._closeFrameSent = true;
    ws._readyState = CLOSING;
    ws._setCloseTimer();
  }

  onError(error: ProtocolError): void {
    const ws = this.ws;
    const err: WsError = wsErrorFrom(error);
    ws._readyState = CLOSING;
    ws._closeFrameSent = true;
    ws._errorEmitted = true;
    ws._setCloseTimer();
    // The close frame the codec queued goes out before the FIN.
    const out = ws._conn!.takeOutgoing();
    if (out.length > 0) writeFrames(ws, out, undefined);
    ws._end();
    try {
      ws.emit('error', err);
    } catch (e) {
      rethrowOnNextTick(e);
    }
  }
}

function toMessage(ws: WebSocket, data: Uint8Array, isBinary: boolean): unknown {
  // A view into the receive buffer is copied; a message the codec assembled is ours already.
  const own = data.buffer !== receiving;
  // ws gives text messages as Buffers whatever the binaryType.
  if (!isBinary) return own ? asBuffer(data) : Buffer.from(data);
  switch (ws._binaryType) {
    case 'nodebuffer':
      return own ? asBuffer(data) : Buffer.from(data);
    case 'arraybuffer':
      if (own && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) return data.buffer;
      return Uint8Array.prototype.slice.call(data).buffer;
    case 'fragments':
      return [own ? asBuffer(data) : Buffer.from(data)];
    default:
      return new Blob([own ? data : Buffer.from(data)]);
  }
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function hold(ws: WebSocket, event: string, payload: unknown, isBinary: boolean): void {
  (ws._held ??= []).push([event, payload, isBinary]);
  if (!ws._heldScheduled) {
    ws._heldScheduled = true;
    setImmediate(() => flushHeld(ws, false));
  }
}

/** Emits one held event per macrotask (ws's `allowSynchronousEvents: false`), or all of them. */
export function flushHeld(ws: WebSocket, all: boolean): void {
  const held = ws._held;
  ws._heldScheduled = false;
  if (held === undefined) return;
  do {
    const next = held.shift();
    if (next === undefined) break;
    try {
      if (next[0] === 'message') ws.emit('message', next[1] as RawData, next[2]);
      else ws.emit(next[0] as 'ping', next[1] as Buffer);
    } catch (error) {
      rethrowOnNextTick(error);
    }
  } while (all);
  if (held.length > 0 && !ws._heldScheduled) {
    ws._heldScheduled = true;
    setImmediate(() => flushHeld(ws, false));
  }
}
