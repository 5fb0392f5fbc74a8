/**
 * A message's memory is bounded by its bytes, not by the number of frames it came in: a flood
 * of tiny fragments is assembled in one growing buffer, and the default fragment limit lets the
 * largest fragment counts of the Autobahn catalogue through.
 */
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Connection, DEFAULT_MAX_FRAGMENTS } from '../src/connection.js';

const MiB = 1024 * 1024;

/**
 * `payload` as client frames (masked with a zero key, so the payload reads as is) of at most
 * `size` payload bytes each; an exact multiple ends with an empty final frame, as the Autobahn
 * suite sends it. `rsv1` marks the first frame compressed.
 */
function fragments(opcode: number, payload: Uint8Array, size: number, rsv1 = false): { bytes: Uint8Array; frames: number } {
  const count = Math.floor(payload.length / size) + 1;
  const out = new Uint8Array(count * 14 + payload.length);
  let o = 0;
  for (let i = 0, off = 0; i < count; i++, off += size) {
    const piece = payload.subarray(off, Math.min(off + size, payload.length));
    const fin = i === count - 1;
    out[o++] = (fin ? 0x80 : 0) | (i === 0 ? opcode | (rsv1 ? 0x40 : 0) : 0);
    if (piece.length < 126) out[o++] = 0x80 | piece.length;
    else {
      out[o++] = 0x80 | 126;
      out[o++] = piece.length >> 8;
      out[o++] = piece.length & 0xff;
    }
    o += 4; // zero masking key
    out.set(piece, o);
    o += piece.length;
  }
  return { bytes: out.subarray(0, o), frames: count };
}

/** Feeds `bytes` in 64 KiB reads (as a socket delivers them); returns the messages and the close code. */
function receiveAll(c: Connection, bytes: Uint8Array): { messages: Uint8Array[]; closeCode: number | undefined } {
  const messages: Uint8Array[] = [];
  for (let off = 0; off < bytes.length; off += 64 * 1024) {
    for (const e of c.receive(bytes.subarray(off, Math.min(off + 64 * 1024, bytes.length)))) {
      if (e.type === 'message') messages.push(e.data);
    }
  }
  return { messages, closeCode: c.closeCode };
}

function usedBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe('fragmented messages: memory bounded by bytes', () => {
  it('the default limit is 131 072 frames and accepts Autobahn 9.3.1/9.4.1 (4 MiB in 64-byte frames: 65 537 frames)', () => {
    expect(DEFAULT_MAX_FRAGMENTS).toBe(131_072);
    const payload = Buffer.alloc(4 * MiB, 0xfe);
    const { bytes, frames } = fragments(0x2, payload, 64);
    expect(frames).toBe(65_537);
    const { messages, closeCode } = receiveAll(new Connection({ role: 'server' }), bytes);
    expect(closeCode).toBeUndefined();
    expect(messages).toHaveLength(1);
    expect(Buffer.compare(messages[0], payload)).toBe(0);
  });

  it('one frame more than the default limit fails with 1009', () => {
    const { bytes, frames } = fragments(0x2, Buffer.alloc(DEFAULT_MAX_FRAGMENTS, 7), 1);
    expect(frames).toBe(DEFAULT_MAX_FRAGMENTS + 1);
    const c = new Connection({ role: 'server' });
    const { messages, closeCode } = receiveAll(c, bytes);
    expect(messages).toHaveLength(0);
    expect(closeCode).toBe(1009);
  });

  it('1 000 000 one-byte fragments (7 MB on the wire) cost about their bytes, not ~150 bytes each', () => {
    const payload = Buffer.alloc(1_000_000);
    for (let i = 0; i < payload.length; i++) payload[i] = 97 + (i % 26);
    const { bytes, frames } = fragments(0x1, payload, 1);
    expect(frames).toBe(1_000_001);
    const c = new Connection({ role: 'server', maxFragments: 2_000_000 });
    // Everything but the last read: the message is still being assembled, all its state held.
    const cut = bytes.length - 7;
    const before = usedBytes();
    let peak = 0;
    for (let off = 0; off < cut; off += 64 * 1024) {
      expect(c.receive(bytes.subarray(off, Math.min(off + 64 * 1024, cut)))).toEqual([]);
      if (off % (1024 * 1024) === 0) peak = Math.max(peak, usedBytes() - before);
    }
    peak = Math.max(peak, usedBytes() - before);
    // One growing buffer (≤ 2 MiB for 1 MB) plus young-generation garbage; a Buffer per
    // fragment held ~150 MB here.
    expect(peak).toBeLessThan(48 * MiB);
    const events = c.receive(bytes.subarray(cut));
    expect(events).toHaveLength(1);
    const message = events[0];
    expect(message.type === 'message' && Buffer.compare(message.data, payload)).toBe(0);
  });

  it('a compressed message in 200 000 one-byte fragments inflates into one buffer, intact', () => {
    // Half random, half repeated text: both stored and Huffman-coded deflate blocks.
    const payload = Buffer.concat([randomBytes(MiB), Buffer.alloc(MiB, 'fragment ')]);
    const compressed = deflateRawSync(payload, { level: 1 });
    const body = compressed.subarray(0, 200_000);
    const rest = compressed.subarray(200_000);
    // 200 000 one-byte frames, then the rest of the deflate stream in one final frame.
    const head = fragments(0x2, body, 1, true);
    const tail = fragments(0x0, rest, 60_000);
    const c = new Connection({
      role: 'server',
      maxFragments: 300_000,
      deflate: { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 },
    });
    // The head's own final flag is cleared: the tail frame ends the message.
    const headBytes = Buffer.from(head.bytes.subarray(0, head.bytes.length - 6));
    const before = usedBytes();
    expect(receiveAll(c, headBytes).messages).toHaveLength(0);
    expect(usedBytes() - before).toBeLessThan(48 * MiB);
    const { messages, closeCode } = receiveAll(c, tail.bytes);
    expect(closeCode).toBeUndefined();
    expect(messages).toHaveLength(1);
    expect(Buffer.compare(messages[0], payload)).toBe(0);
  });
});
