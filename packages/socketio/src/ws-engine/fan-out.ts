/**
 * The one-tick fan-out memory: a broadcast hands the same message to every recipient in one
 * synchronous loop (socket.io-adapter's pre-encoded `[header, payload]` list, or engine.io's
 * binary attachment Buffer, the same object each time). The first recipient takes the usual
 * path; from the second one on, the message is framed once into one Buffer that every further
 * recipient's write references (the native transport copies it into its send arena once per
 * batch). Only the last message seen is remembered, and only until the tick ends: a unique send
 * (an echo) costs one comparison, and a Buffer the user changes and sends again next tick is
 * framed anew.
 */
import { Buffer } from 'node:buffer';
import { writeFrameHeader } from '@uws/protocol';

/** Opcode of a binary frame (RFC 6455). */
const BINARY = 2;

let lastMessage: object | undefined;
/** The frame of {@link lastMessage}, made on its second sighting. */
let lastFrame: Buffer | undefined;
let clearQueued = false;

function clear(): void {
  lastMessage = undefined;
  lastFrame = undefined;
  clearQueued = false;
}

/**
 * Whether `message` was already sent this tick (the caller then writes {@link frameOf}), and
 * remembers it as the last message otherwise.
 */
export function seenThisTick(message: object): boolean {
  if (message === lastMessage) return true;
  lastMessage = message;
  lastFrame = undefined;
  if (!clearQueued) {
    clearQueued = true;
    process.nextTick(clear);
  }
  return false;
}

/** One Buffer holding the frames of a pre-encoded list (`Sender.frame`'s `[header, payload]`). */
export function frameOfList(list: readonly Uint8Array[]): Buffer {
  if (lastFrame !== undefined && lastMessage === list) return lastFrame;
  const frame = list.length === 1 ? asBuffer(list[0]) : Buffer.concat(list as Uint8Array[]);
  if (lastMessage === list) lastFrame = frame;
  return frame;
}

/** One Buffer holding a final, unmasked, uncompressed binary frame of `payload`. */
export function frameOfBinary(payload: Uint8Array): Buffer {
  if (lastFrame !== undefined && lastMessage === payload) return lastFrame;
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  writeFrameHeader(frame, 0, true, false, BINARY, length, false);
  frame.set(payload, headerLength);
  if (lastMessage === payload) lastFrame = frame;
  return frame;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
