/**
 * The one-tick memory of messages sent to many sockets by code that sends to each socket
 * itself (a ws-style `for (const c of clients) c.send(buf)` loop, engine.io's broadcast, or
 * socket.io-adapter's pre-encoded frames written with ws's `_sender.sendFrame`): the first
 * sighting of a message in a tick takes the sender's usual path; from the second on, the
 * message is framed once into one buffer that every further write references (a transport
 * with a send arena copies it there once per flush: `TransportBatch.writeShared`).
 *
 * The last few distinct messages of a tick are remembered, until the tick ends: objects (a
 * Buffer, a frame list) by identity, so a Buffer changed and sent again on a later tick is
 * framed anew; strings by value (they cannot change, and the same text frames to the same bytes). Within a tick a Buffer is taken
 * as it was at its second sighting: changing it before the send callbacks ran is undefined,
 * as it is in ws (which may still be holding a reference to it).
 */
import { Buffer } from 'node:buffer';
import { frameOf } from '../app/publication.js';

/**
 * How many distinct messages a tick remembers: the last ones sent. A fan-out loop sends one
 * message (or a few, `c.send(a); c.send(b)`) to socket after socket; a slot found by `===`
 * costs a few comparisons, where a Map would hash every message sent on its first sighting,
 * which an echo server (every message sent once) would pay for nothing.
 */
const SLOTS = 8;

/** The messages remembered this tick (oldest overwritten first), their opcodes and shared frames. */
const keys = new Array<unknown>(SLOTS).fill(undefined);
const opcodes = new Uint8Array(SLOTS);
const frames = new Array<Uint8Array | undefined>(SLOTS).fill(undefined);
/** Slots in use this tick, and the slot the next new message takes. */
let used = 0;
let next = 0;

function clear(): void {
  for (let i = 0; i < used; i++) {
    keys[i] = undefined;
    frames[i] = undefined;
  }
  used = 0;
  next = 0;
}

/** The slot of `message` this tick; -1 when it is not remembered. */
function slotOf(message: unknown): number {
  for (let i = 0; i < used; i++) if (keys[i] === message) return i;
  return -1;
}

function remember(message: unknown, opcode: number): void {
  if (used === 0) process.nextTick(clear);
  if (used < SLOTS) used++;
  keys[next] = message;
  opcodes[next] = opcode;
  frames[next] = undefined;
  next = (next + 1) % SLOTS;
}

/**
 * The one shared frame (final, unmasked, uncompressed) of `message` sent as `opcode` (1 text,
 * 2 binary) when it was already sent this tick; undefined on its first sighting (it is
 * remembered: send it the usual way) or when it was sent this tick with another opcode.
 * `message` is a string (its UTF-8 bytes) or bytes; bytes must not change until the tick ends.
 */
export function sharedMessageFrame(message: string | Uint8Array, opcode: number): Uint8Array | undefined {
  const i = slotOf(message);
  if (i < 0) {
    remember(message, opcode);
    return undefined;
  }
  if (opcodes[i] !== opcode) return undefined;
  return (frames[i] ??= frameOf(message, opcode));
}

/**
 * The frames of `list` (ready frames, as ws's `Sender.frame` makes them: `[header, payload]` or
 * one frame) joined into one shared buffer, when the same list was already written this tick;
 * undefined on its first sighting (it is remembered: write it the usual way).
 */
export function sharedFrameList(list: readonly Uint8Array[]): Uint8Array | undefined {
  const i = slotOf(list);
  if (i < 0) {
    remember(list, 0);
    return undefined;
  }
  if (opcodes[i] !== 0) return undefined;
  return (frames[i] ??= list.length === 1 ? list[0] : Buffer.concat(list));
}

/** Bytes of payload in an unmasked frame made by {@link sharedMessageFrame}. */
export function sharedPayloadLength(frame: Uint8Array): number {
  const len7 = frame[1] & 0x7f;
  return frame.length - (len7 === 126 ? 4 : len7 === 127 ? 10 : 2);
}
