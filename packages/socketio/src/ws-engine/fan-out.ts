/**
 * The one-tick fan-out memory: a broadcast hands the same message object to every recipient
 * (socket.io-adapter's pre-encoded `[header, payload]` list, or engine.io's binary attachment
 * Buffer), either in one loop or, for recipients that were still busy, when their send
 * callbacks run together on a later tick. The first sighting of a message in a tick takes the
 * usual path; from the second on, it is framed once into one Buffer that every further write
 * references (the native transport copies it into its send arena once per batch). Messages are
 * remembered by identity until the tick ends, so a Buffer changed and sent again later is
 * framed anew.
 */
import { Buffer } from 'node:buffer';
import { writeFrameHeader } from '@uws/protocol';

/** Opcode of a binary frame (RFC 6455). */
const BINARY = 2;

/** Messages seen this tick: their shared frame once made, null before. */
let seen = new Map<object, Buffer | null>();
let clearQueued = false;

function clear(): void {
  seen = new Map();
  clearQueued = false;
}

/** A list made by `Sender.frame` (`[header, payload]`, or one masked frame) as one Buffer. */
function joinList(list: readonly Uint8Array[]): Buffer {
  return list.length === 1 ? asBuffer(list[0]) : Buffer.concat(list);
}

/** A final, unmasked, uncompressed binary frame of `payload`. */
function frameBinary(payload: Uint8Array): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  writeFrameHeader(frame, 0, true, false, BINARY, length, false);
  frame.set(payload, headerLength);
  return frame;
}

function shared<T extends object>(message: T, build: (m: T) => Buffer): Buffer | undefined {
  const frame = seen.get(message);
  if (frame !== undefined) {
    if (frame !== null) return frame;
    const made = build(message);
    seen.set(message, made);
    return made;
  }
  seen.set(message, null);
  if (!clearQueued) {
    clearQueued = true;
    process.nextTick(clear);
  }
  return undefined;
}

/** The shared frame of a pre-encoded list already written this tick, else undefined (and it is remembered). */
export function sharedListFrame(list: readonly Uint8Array[]): Buffer | undefined {
  return shared(list, joinList);
}

/** The shared binary frame of a Buffer already sent this tick, else undefined (and it is remembered). */
export function sharedBinaryFrame(payload: Uint8Array): Buffer | undefined {
  return shared(payload, frameBinary);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
