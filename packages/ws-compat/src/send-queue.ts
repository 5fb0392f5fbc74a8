/**
 * The send path of a WebSocket: a message framed by the codec and written to the transport;
 * send callbacks run once the bytes left (next tick) or after the drain that clears
 * backpressure; sends queued behind a Blob being read, in order; frames held by reference on a
 * transport that would copy them; a message sent to many sockets in one tick written as one
 * shared frame; sends after close (counted in `bufferedAmount`, callbacks failed as ws does).
 */
import { Buffer } from 'node:buffer';
import type { SendOptions } from '@uws/protocol';
import { rethrowOnNextTick, sharedFrameList, sharedMessageFrame, sharedPayloadLength } from '@uws/native';
import { CLOSED, CLOSING, CONNECTING, EMPTY_BUFFER, OPEN, READY_STATES } from './constants.js';
import { type Callback, ioOf, setIo } from './packed-state.js';
import type { Data, SendOpts, WebSocket } from './websocket.js';

/** A send waiting behind a Blob being read. */
export interface QueuedSend {
  data: Exclude<Data, number>;
  options: SendOpts | undefined;
  cb: Callback | undefined;
  ready: boolean;
  error: Error | undefined;
}

// Send options shared by every send (no object per message).
const NO_COMPRESS: SendOptions = Object.freeze({ compress: false });
const NOT_FIN: SendOptions = Object.freeze({ fin: false });
const NOT_FIN_NO_COMPRESS: SendOptions = Object.freeze({ fin: false, compress: false });

/**
 * The largest piece of a held frame handed to the transport at once: what a slow reader costs
 * in copies. Above the size the native transport writes directly (a quarter of its 1 MiB send
 * arena), so its answer says whether the kernel took the piece.
 */
const HELD_PIECE_BYTES = 384 * 1024;

/** `ws.send(data, options, cb)` once the socket is OPEN (number data already made text). */
export function send(ws: WebSocket, data: Exclude<Data, number>, options: SendOpts | undefined, cb: Callback | undefined): void {
  if (ws._sendQueue !== undefined || (typeof Blob !== 'undefined' && data instanceof Blob)) {
    sendLater(ws, data, options, cb);
    return;
  }
  sendNow(ws, data as Exclude<Data, number | Blob>, options, cb);
}

/** Frames `data` and writes it (a message sent to many sockets this tick: its one shared frame). */
export function sendNow(ws: WebSocket, data: Exclude<Data, number | Blob>, options: SendOpts | undefined, cb: Callback | undefined): void {
  const conn = ws._conn!;
  // A ws-style fan-out loop sends one Buffer or string to every socket: framed once (see
  // @uws/native's tick-frame-memo). Fragments and compressed frames are this socket's own; a
  // Buffer too large to copy at once is held by reference per socket anyway (no copy to save).
  if (
    (typeof data === 'string' || (data instanceof Uint8Array && data.length <= HELD_PIECE_BYTES)) &&
    (options === undefined || options.fin !== false)
  ) {
    const binary = options?.binary;
    const opcode = typeof data === 'string' ? (binary === true ? 2 : 1) : binary === false ? 1 : 2;
    const frame = sharedMessageFrame(data, opcode);
    if (frame !== undefined && conn.sendsPlainFrame(sharedPayloadLength(frame), options?.compress === false ? false : undefined)) {
      writeSharedFrame(ws, frame, cb);
      return;
    }
  }
  let binary: boolean | undefined;
  let opts: SendOptions | undefined;
  if (options !== undefined) {
    binary = options.binary;
    const noCompress = options.compress === false;
    opts = options.fin === false ? (noCompress ? NOT_FIN_NO_COMPRESS : NOT_FIN) : noCompress ? NO_COMPRESS : undefined;
  }
  let frames: Uint8Array[];
  if (typeof data === 'string') {
    frames = binary === true ? conn.sendBinary(Buffer.from(data), opts) : conn.sendText(data, opts);
  } else {
    const bytes = toBytes(data);
    frames = binary === false ? conn.sendText(bytes, opts) : conn.sendBinary(bytes, opts);
  }
  writeFrames(ws, frames, cb);
}

/** Sends that wait for a Blob to be read, in order. */
function sendLater(ws: WebSocket, data: Exclude<Data, number>, options: SendOpts | undefined, cb: Callback | undefined): void {
  const entry: QueuedSend = { data, options, cb, ready: true, error: undefined };
  (ws._sendQueue ??= []).push(entry);
  if (typeof Blob !== 'undefined' && data instanceof Blob) {
    entry.ready = false;
    data.arrayBuffer().then(
      (ab) => {
        entry.data = Buffer.from(ab);
        entry.ready = true;
        drainSendQueue(ws);
      },
      (error: Error) => {
        entry.error = error;
        entry.ready = true;
        drainSendQueue(ws);
      },
    );
  }
}

function drainSendQueue(ws: WebSocket): void {
  const queue = ws._sendQueue;
  if (queue === undefined) return;
  while (queue.length > 0 && queue[0].ready) {
    const failed = queue[0].error;
    if (failed !== undefined) {
      // Later sends stay queued behind it until the failure is handled (on the next tick).
      queue[0].ready = false;
      process.nextTick(() => blobFailed(ws, failed));
      return;
    }
    const next = queue.shift()!;
    if (ws._readyState !== OPEN) sendAfterClose(ws, next.data, next.cb);
    else sendNow(ws, next.data as Exclude<Data, number | Blob>, next.options, next.cb);
  }
  if (queue.length === 0) ws._sendQueue = undefined;
}

/**
 * A Blob could not be read: as ws, its send callback and those of every send queued behind
 * it get the error, the connection ends (after what was already sent, without a close
 * frame), and `'error'` is emitted; `'close'` (1006) follows.
 */
function blobFailed(ws: WebSocket, error: Error): void {
  const queue = ws._sendQueue ?? [];
  ws._sendQueue = undefined;
  for (const entry of queue) {
    if (entry.cb === undefined) continue;
    try {
      entry.cb(error);
    } catch (e) {
      rethrowOnNextTick(e);
    }
  }
  if (ws._readyState === CLOSED) return;
  if (ws._readyState === OPEN) {
    ws._readyState = CLOSING;
    ws._setCloseTimer();
  }
  ws._end();
  if (ws._errorEmitted) return;
  ws._errorEmitted = true;
  try {
    ws.emit('error', error);
  } catch (e) {
    rethrowOnNextTick(e);
  }
}

/** A send on a socket that is not OPEN: counted in `bufferedAmount`, `cb` gets ws's error. */
export function sendAfterClose(ws: WebSocket, data: unknown, cb: Callback | undefined): void {
  if (data) {
    const length = typeof Blob !== 'undefined' && data instanceof Blob ? data.size : toBytes(data as Exclude<Data, number | Blob>).length;
    ws._bufferedAmount += length;
  }
  if (cb !== undefined) {
    const err = new Error(`WebSocket is not open: readyState ${ws._readyState} (${READY_STATES[ws._readyState]})`);
    process.nextTick(cb, err);
  }
}

/** `ws.ping()` / `ws.pong()`, with ws's argument shuffling and errors. */
export function sendControl(ws: WebSocket, kind: 'ping' | 'pong', data: unknown, mask: unknown, cb: Callback | undefined): void {
  if (ws._readyState === CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
  if (typeof data === 'function') {
    cb = data as Callback;
    data = undefined;
  } else if (typeof mask === 'function') {
    cb = mask as Callback;
  }
  if (typeof data === 'number') data = data.toString();
  if (ws._readyState !== OPEN) {
    sendAfterClose(ws, data, cb);
    return;
  }
  const bytes = data === undefined || data === null || data === '' ? EMPTY_BUFFER : toBytes(data as Exclude<Data, number | Blob>);
  if (bytes.length > 125) throw new RangeError('The data size must not be greater than 125 bytes');
  const conn = ws._conn!;
  writeFrames(ws, kind === 'ping' ? conn.ping(bytes) : conn.pong(bytes), cb);
}

/**
 * Writes frames, and runs `cb` once they left (next tick, or after a drain).
 * Returns false when bytes wait (backpressure).
 */
export function writeFrames(ws: WebSocket, frames: Uint8Array[], cb: Callback | undefined): boolean {
  const pre = ws._preOpen;
  if (pre !== undefined) {
    for (let i = 0; i < frames.length; i++) pre.push(frames[i]);
    if (cb !== undefined) (ws._pendingCallbacks ??= []).push(cb);
    return false;
  }
  const hub = ws._hub!;
  const transport = hub.transport;
  const id = ws._id;
  let clear = true;
  const unsent = ws._io?.unsent;
  if (unsent !== undefined) {
    for (let i = 0; i < frames.length; i++) holdFrame(ws, frames[i]);
    clear = false;
  } else if (transport.copiesWrites !== true) {
    for (let i = 0; i < frames.length; i++) clear = transport.write(id, frames[i]) && clear;
  } else {
    // A transport that copies what it cannot send at once would copy a large payload once
    // per connection: from the first large frame (or once backpressured) the frames are held
    // by reference and handed over a piece at a time as the socket drains (ws keeps a
    // reference too; the caller must not change a buffer before its send callback).
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i];
      if (!clear || frame.length > HELD_PIECE_BYTES) {
        for (let j = i; j < frames.length; j++) holdFrame(ws, frames[j]);
        if (clear) clear = writeHeld(ws);
        break;
      }
      clear = transport.write(id, frame);
    }
  }
  if (cb !== undefined) {
    if (clear && ws._pendingCallbacks === undefined) hub.defer(cb);
    else (ws._pendingCallbacks ??= []).push(cb);
  }
  return clear;
}

/**
 * Writes a frame that many sockets are sent this tick: on a transport with a send arena it is
 * copied there once and referenced for every socket (unless this socket holds frames back or
 * the frame is one to hold by reference); elsewhere it is written as any frame. `cb` as
 * {@link writeFrames} runs it.
 */
export function writeSharedFrame(ws: WebSocket, frame: Uint8Array, cb: Callback | undefined): void {
  const hub = ws._hub!;
  const batch = hub.transport.batch;
  if (batch === undefined || ws._preOpen !== undefined || ws._io?.unsent !== undefined || frame.length > HELD_PIECE_BYTES) {
    writeFrames(ws, [frame], cb);
    return;
  }
  const clear = batch.writeShared(ws._id, frame);
  if (cb !== undefined) {
    if (clear && ws._pendingCallbacks === undefined) hub.defer(cb);
    else (ws._pendingCallbacks ??= []).push(cb);
  }
}

/** ws's `_sender.sendFrame(list, cb)`: a list written to many sockets this tick goes as one shared frame. */
export function sendFrameList(ws: WebSocket, list: readonly Uint8Array[], cb: Callback | undefined): void {
  const frame = sharedFrameList(list);
  if (frame !== undefined) writeSharedFrame(ws, frame, cb);
  else writeFrames(ws, list as Uint8Array[], cb);
}

/** Keeps `frame` (a reference) behind the frames already held. */
function holdFrame(ws: WebSocket, frame: Uint8Array): void {
  const io = ioOf(ws);
  (io.unsent ??= []).push(frame);
  io.unsentBytes += frame.length;
}

/**
 * Hands held frames to the transport, a piece of at most {@link HELD_PIECE_BYTES} at a time,
 * until it pushes back. Returns true when none is left.
 */
export function writeHeld(ws: WebSocket): boolean {
  const io = ws._io!;
  const unsent = io.unsent!;
  const transport = ws._hub!.transport;
  while (unsent.length > 0) {
    let piece = unsent[0];
    if (piece.length > HELD_PIECE_BYTES) {
      unsent[0] = piece.subarray(HELD_PIECE_BYTES);
      piece = piece.subarray(0, HELD_PIECE_BYTES);
    } else unsent.shift();
    io.unsentBytes -= piece.length;
    if (!transport.write(ws._id, piece)) return false;
  }
  io.unsent = undefined;
  if (io.endWhenSent) {
    io.endWhenSent = false;
    transport.end(ws._id);
  }
  setIo(ws, 'unsent', undefined);
  return true;
}

/** Drops the frames still held (the socket is gone). */
export function dropHeld(ws: WebSocket): void {
  const io = ws._io;
  if (io?.unsent === undefined) return;
  io.unsent = undefined;
  io.unsentBytes = 0;
  setIo(ws, 'unsent', undefined);
}

/** Bytes written but not yet handed to the transport (before open, or held by reference). */
export function bytesNotHandedOver(ws: WebSocket): number {
  let bytes = ws._io?.unsentBytes ?? 0;
  const pre = ws._preOpen;
  if (pre !== undefined) for (const b of pre) bytes += b.length;
  return bytes;
}

/** The bytes of ws's data types (views are not copied). */
export function toBytes(data: Exclude<Data, number | Blob>): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data as unknown as number[]);
}
