// The inputs of the codec benchmark: payloads, masked frame streams and the socket-sized
// chunks they are cut into. Frames come from the neutral writer in wire.mjs, so neither codec
// under test produces the other's input.
import { randomFillSync } from 'node:crypto';
import { headerSize, writeFrame } from './wire.mjs';

export const OPCODE_TEXT = 0x1;
export const OPCODE_BINARY = 0x2;

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** Targets from the issue: uws/ws throughput ratio for small frames and for large ones. */
export const SMALL = 2;
export const LARGE = 1;

/** Socket-sized read: the stream of frames is cut into chunks of this size. */
export const CHUNK_SIZE = 64 * KiB;

/** A payload of `length` pseudo-random bytes. */
export function binaryPayload(length) {
  const bytes = Buffer.allocUnsafe(length);
  randomFillSync(bytes);
  return bytes;
}

/**
 * A string whose UTF-8 encoding is exactly `byteLength` bytes, mixing 1-, 2-, 3- and 4-byte
 * code points (ASCII, Latin-1, CJK, emoji), so text validation sees multi-byte sequences.
 */
export function textPayload(byteLength) {
  const pieces = ['WebSocket ', 'é', 'ß', 'ü', '€', '字', '節', '😀', '🚀', ' data '];
  let out = '';
  let bytes = 0;
  for (let i = 0; ; i++) {
    const piece = pieces[i % pieces.length];
    const n = Buffer.byteLength(piece, 'utf8');
    if (bytes + n > byteLength) break;
    out += piece;
    bytes += n;
  }
  out += 'x'.repeat(byteLength - bytes); // pad with ASCII to the exact length
  return out;
}

/** `count` masked frames of `payload`, back to back in one buffer (what a client sends). */
export function maskedStream(opcode, payload, count) {
  const frameSize = headerSize(payload.length, true) + payload.length;
  const stream = Buffer.allocUnsafe(frameSize * count);
  let o = 0;
  for (let i = 0; i < count; i++) o = writeFrame(stream, o, opcode, payload, true);
  return stream;
}

/** Cuts `stream` into pieces of `size` bytes (the last may be shorter); frames straddle the cuts. */
export function cut(stream, size) {
  if (size >= stream.length) return [stream];
  const chunks = [];
  for (let o = 0; o < stream.length; o += size) chunks.push(stream.subarray(o, Math.min(o + size, stream.length)));
  return chunks;
}

/**
 * One parse input: `chunks` (views of one masked template) delivered in order make
 * `messages` messages of `messageLength` payload bytes each.
 */
function parseInput(name, opcode, payload, count, chunkSize, note, target) {
  const expected = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const template = maskedStream(opcode, expected, count);
  return {
    name,
    note,
    binary: opcode === OPCODE_BINARY,
    template,
    chunkSize,
    messages: count,
    messageLength: expected.length,
    expected,
    target,
  };
}

/** How many frames of `payloadLength` fill about `streamBytes` of wire bytes. */
function framesIn(streamBytes, payloadLength) {
  return Math.max(1, Math.floor(streamBytes / (headerSize(payloadLength, true) + payloadLength)));
}

/** The parse scenarios (server role: masked client frames in). */
export function parseInputs() {
  const text = textPayload(64 * KiB);
  return [
    parseInput('parse 16 B binary', OPCODE_BINARY, binaryPayload(16), framesIn(MiB, 16), CHUNK_SIZE,
      '1 MiB stream of masked frames in 64 KiB chunks', SMALL),
    parseInput('parse 512 B binary', OPCODE_BINARY, binaryPayload(512), framesIn(MiB, 512), CHUNK_SIZE,
      '1 MiB stream of masked frames in 64 KiB chunks', SMALL),
    // Four 1 MiB frames per run (not one) so a run lasts long enough for the clock's resolution.
    parseInput('parse 1 MiB binary, 1 chunk', OPCODE_BINARY, binaryPayload(MiB), 4, headerSize(MiB, true) + MiB,
      '4 masked frames per run, each fed whole as one chunk', LARGE),
    parseInput('parse 1 MiB binary, 64 KiB chunks', OPCODE_BINARY, binaryPayload(MiB), 4, CHUNK_SIZE,
      '4 masked frames per run in 64 KiB chunks (17 per frame)', LARGE),
    parseInput('parse 64 KiB text (UTF-8)', OPCODE_TEXT, text, 16, CHUNK_SIZE,
      '16 masked text messages in 64 KiB chunks, UTF-8 validated', LARGE),
  ];
}

/**
 * The serialize scenarios: `messages` sends of `payload` (a Buffer, or a string for text) per
 * iteration; `masked` is the client role (random key per frame), otherwise the server role.
 */
export function serializeInputs() {
  const text = textPayload(64 * KiB);
  const s = (name, opcode, payload, messages, masked, target) => ({
    name,
    opcode,
    binary: opcode === OPCODE_BINARY,
    payload,
    messages,
    masked,
    target,
    messageLength: typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length,
  });
  return [
    s('serialize 16 B binary (server)', OPCODE_BINARY, binaryPayload(16), 16384, false, SMALL),
    s('serialize 512 B binary (server)', OPCODE_BINARY, binaryPayload(512), 4096, false, SMALL),
    s('serialize 1 MiB binary (server)', OPCODE_BINARY, binaryPayload(MiB), 256, false, LARGE),
    s('serialize 64 KiB text from string (server)', OPCODE_TEXT, text, 32, false, LARGE),
    s('serialize 16 B binary, masked (client)', OPCODE_BINARY, binaryPayload(16), 16384, true, SMALL),
    s('serialize 512 B binary, masked (client)', OPCODE_BINARY, binaryPayload(512), 4096, true, SMALL),
  ];
}
