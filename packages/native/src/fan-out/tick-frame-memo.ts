/**
 * The one-tick memory of messages sent to many sockets by code that sends to each socket
 * itself (a ws-style `for (const c of clients) c.send(buf)` loop, engine.io's broadcast, or
 * socket.io-adapter's pre-encoded frames written with ws's `_sender.sendFrame`): the first
 * sighting of a message in a tick takes the sender's usual path; from the second on, the
 * message is framed once into one buffer that every further write references (a transport
 * with a send arena copies it there once per flush: `TransportBatch.writeShared`).
 *
 * Messages are remembered until the tick ends: objects (a Buffer, a frame list) by identity,
 * so a Buffer changed and sent again on a later tick is framed anew; strings by value (they
 * cannot change, and the same text frames to the same bytes). Within a tick a Buffer is taken
 * as it was at its second sighting: changing it before the send callbacks ran is undefined,
 * as it is in ws (which may still be holding a reference to it).
 */
import { Buffer } from 'node:buffer';
import { frameOf } from '../app/publication.js';

/** A message remembered this tick, and its shared frame once made. */
interface Sighting {
  /** The message's opcode (1 text, 2 binary); 0 for a list of ready frames. */
  opcode: number;
  frame: Uint8Array | undefined;
}

let seen = new Map<unknown, Sighting>();
let clearQueued = false;

function clear(): void {
  seen = new Map();
  clearQueued = false;
}

function remember(message: unknown, opcode: number): void {
  seen.set(message, { opcode, frame: undefined });
  if (!clearQueued) {
    clearQueued = true;
    process.nextTick(clear);
  }
}

/**
 * The one shared frame (final, unmasked, uncompressed) of `message` sent as `opcode` (1 text,
 * 2 binary) when it was already sent this tick; undefined on its first sighting (it is
 * remembered: send it the usual way) or when it was sent this tick with another opcode.
 * `message` is a string (its UTF-8 bytes) or bytes; bytes must not change until the tick ends.
 */
export function sharedMessageFrame(message: string | Uint8Array, opcode: number): Uint8Array | undefined {
  const sighting = seen.get(message);
  if (sighting === undefined) {
    remember(message, opcode);
    return undefined;
  }
  if (sighting.opcode !== opcode) return undefined;
  return (sighting.frame ??= frameOf(message, opcode));
}

/**
 * The frames of `list` (ready frames, as ws's `Sender.frame` makes them: `[header, payload]` or
 * one frame) joined into one shared buffer, when the same list was already written this tick;
 * undefined on its first sighting (it is remembered: write it the usual way).
 */
export function sharedFrameList(list: readonly Uint8Array[]): Uint8Array | undefined {
  const sighting = seen.get(list);
  if (sighting === undefined) {
    remember(list, 0);
    return undefined;
  }
  if (sighting.opcode !== 0) return undefined;
  return (sighting.frame ??= list.length === 1 ? list[0] : Buffer.concat(list));
}

/** Bytes of payload in an unmasked frame made by {@link sharedMessageFrame}. */
export function sharedPayloadLength(frame: Uint8Array): number {
  const len7 = frame[1] & 0x7f;
  return frame.length - (len7 === 126 ? 4 : len7 === 127 ? 10 : 2);
}
