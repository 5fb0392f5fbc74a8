import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_COMPRESSION_LEVEL, type Inflater } from '../../src/deflate/streams.js';
import { ProtocolError } from '../../src/errors.js';
import { zlibCompression } from '../../src/deflate/zlib-streams.js';
import { concat, hex, toHex, utf8 } from '../support/frames.js';

/** Inflates one message given as pieces (the last one final); returns the text. */
function inflateMessage(inflater: Inflater, pieces: Uint8Array[], limit = 1 << 20): string {
  const out: Uint8Array[] = [];
  pieces.forEach((p, i) => inflater.inflate(p, 0, p.length, i === pieces.length - 1, limit, out));
  return Buffer.concat(out).toString('utf8');
}

function thrown(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return err as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

/** Text with repeats far apart: compressible only with a large window. */
function longRangeText(): Uint8Array {
  const block = randomBytes(3000).toString('base64'); // 4000 chars
  return utf8(block + block + block);
}

describe('Deflater (RFC 7692 §7.2.1)', () => {
  it('compresses "Hello" to the RFC 7692 §7.2.3.1 payload f2 48 cd c9 c9 07 00', () => {
    const d = zlibCompression.createDeflater({ windowBits: 15 });
    expect(toHex(d.compress(utf8('Hello'), true))).toBe('f2 48 cd c9 c9 07 00');
    d.close();
  });

  it('with context takeover, the second "Hello" is f2 00 11 00 00 (RFC 7692 §7.2.3.2)', () => {
    const d = zlibCompression.createDeflater({ windowBits: 15 });
    d.compress(utf8('Hello'), true);
    expect(toHex(d.compress(utf8('Hello'), true))).toBe('f2 00 11 00 00');
    d.close();
  });

  it('reset() drops the history: the next "Hello" is compressed as the first', () => {
    const d = zlibCompression.createDeflater({ windowBits: 15 });
    d.compress(utf8('Hello'), true);
    d.reset();
    expect(toHex(d.compress(utf8('Hello'), true))).toBe('f2 48 cd c9 c9 07 00');
    d.close();
  });

  it('keeps the 00 00 ff ff sync marker on non-final pieces and removes it on the final one', () => {
    const d = zlibCompression.createDeflater({ windowBits: 15 });
    const first = d.compress(utf8('Hel'), false);
    expect(toHex(first.subarray(first.length - 4))).toBe('00 00 ff ff');
    const last = d.compress(utf8('lo'), true);
    expect(toHex(last.subarray(last.length - 4))).not.toBe('00 00 ff ff');
    const i = zlibCompression.createInflater(15);
    expect(inflateMessage(i, [first, last])).toBe('Hello');
  });

  it('an empty message compresses to the single byte 00 (an empty stored block without its tail)', () => {
    const d = zlibCompression.createDeflater({ windowBits: 15 });
    expect(toHex(d.compress(new Uint8Array(0), true))).toBe('00');
  });

  it('an empty message after a flushed one is still 00, so the peer inflater stays in step', () => {
    const d = zlibCompression.createDeflater({ windowBits: 15 });
    const i = zlibCompression.createInflater(15);
    const m1 = d.compress(utf8('Hello'), true);
    const m2 = d.compress(new Uint8Array(0), true);
    expect(toHex(m2)).toBe('00');
    const m3 = d.compress(utf8('Hello'), true);
    expect(inflateMessage(i, [m1])).toBe('Hello');
    expect(inflateMessage(i, [m2])).toBe('');
    expect(inflateMessage(i, [m3])).toBe('Hello');
  });

  it('an empty final piece after non-final pieces still ends the message properly', () => {
    const d = zlibCompression.createDeflater({ windowBits: 15 });
    const i = zlibCompression.createInflater(15);
    const pieces = [d.compress(utf8('abc'), false), d.compress(new Uint8Array(0), true)];
    expect(toHex(pieces[1])).toBe('00');
    expect(inflateMessage(i, pieces)).toBe('abc');
    expect(inflateMessage(i, [d.compress(utf8('abcabc'), true)])).toBe('abcabc');
  });

  it('round-trips large input through several 64 KiB output buffers', () => {
    const data = randomBytes(300_000); // incompressible: output larger than the scratch buffer
    const d = zlibCompression.createDeflater({ windowBits: 15, level: 1 });
    const compressed = d.compress(data, true);
    expect(compressed.length).toBeGreaterThan(64 * 1024);
    const out: Uint8Array[] = [];
    const n = zlibCompression.createInflater(15).inflate(compressed, 0, compressed.length, true, 1 << 20, out);
    expect(n).toBe(data.length);
    expect(Buffer.concat(out).equals(data)).toBe(true);
  });

  it('compresses at DEFAULT_COMPRESSION_LEVEL (1) when no level is given', () => {
    expect(DEFAULT_COMPRESSION_LEVEL).toBe(1);
    const data = utf8(JSON.stringify(Array.from({ length: 80 }, (_, i) => ({ id: i, name: `item ${i % 9}`, price: (i * 7.25) % 100 }))));
    const out = (level?: number) => toHex(zlibCompression.createDeflater({ windowBits: 15, level }).compress(data, true));
    expect(out()).toBe(out(1));
    expect(out()).not.toBe(out(6));
  });

  it('returns output that stays valid after the next call', () => {
    const d = zlibCompression.createDeflater({ windowBits: 15 });
    const a = d.compress(utf8('first message'), true);
    const copy = toHex(a);
    d.compress(utf8('second, different message'), true);
    expect(toHex(a)).toBe(copy);
  });

  it('windowBits 8 is raised to 9 (zlib has no 8-bit raw deflate) and stays decodable', () => {
    const d = zlibCompression.createDeflater({ windowBits: 8 });
    const text = longRangeText();
    const c = d.compress(text, true);
    expect(inflateMessage(zlibCompression.createInflater(8), [c])).toBe(Buffer.from(text).toString());
  });
});

describe('Inflater: RFC 7692 §7.2.3 examples', () => {
  it('§7.2.3.1: f2 48 cd c9 c9 07 00 is "Hello"', () => {
    expect(inflateMessage(zlibCompression.createInflater(15), [hex('f2 48 cd c9 c9 07 00')])).toBe('Hello');
  });

  it('§7.2.3.1: the same in two fragments f2 48 cd + c9 c9 07 00', () => {
    expect(inflateMessage(zlibCompression.createInflater(15), [hex('f2 48 cd'), hex('c9 c9 07 00')])).toBe('Hello');
  });

  it('§7.2.3.2: f2 00 11 00 00 after the first message is "Hello" (shared window)', () => {
    const i = zlibCompression.createInflater(15);
    expect(inflateMessage(i, [hex('f2 48 cd c9 c9 07 00')])).toBe('Hello');
    expect(inflateMessage(i, [hex('f2 00 11 00 00')])).toBe('Hello');
  });

  it('§7.2.3.2: after reset() the back-reference has nothing to point to: 1007', () => {
    const i = zlibCompression.createInflater(15);
    inflateMessage(i, [hex('f2 48 cd c9 c9 07 00')]);
    i.reset();
    const err = thrown(() => inflateMessage(i, [hex('f2 00 11 00 00')]));
    expect(err.code).toBe('WS_ERR_INFLATE_FAILED');
    expect(err.closeCode).toBe(1007);
  });

  it('§7.2.3.3: a stored (no compression) block 00 05 00 fa ff 48 65 6c 6c 6f 00', () => {
    expect(inflateMessage(zlibCompression.createInflater(15), [hex('00 05 00 fa ff 48 65 6c 6c 6f 00')])).toBe('Hello');
  });

  it('§7.2.3.4: a BFINAL block f3 48 cd c9 c9 07 00 00, and the next message starts a new stream', () => {
    const i = zlibCompression.createInflater(15);
    expect(inflateMessage(i, [hex('f3 48 cd c9 c9 07 00 00')])).toBe('Hello');
    expect(inflateMessage(i, [hex('f2 48 cd c9 c9 07 00')])).toBe('Hello');
  });

  it('§7.2.3.4: the BFINAL message gives the same result however it is cut into calls', () => {
    const bytes = hex('f3 48 cd c9 c9 07 00 00');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const i = zlibCompression.createInflater(15);
      expect(inflateMessage(i, [bytes.subarray(0, cut), bytes.subarray(cut)]), `cut at ${cut}`).toBe('Hello');
      expect(inflateMessage(i, [hex('f2 48 cd c9 c9 07 00')])).toBe('Hello');
    }
  });

  it('data after a BFINAL block is ignored alike whether it comes in the same call or a later one', () => {
    const bytes = hex('f3 48 cd c9 c9 07 00 f2 48 cd c9 c9 07 00');
    const results = new Set<string>();
    for (let cut = 0; cut <= bytes.length; cut++) {
      results.add(inflateMessage(zlibCompression.createInflater(15), [bytes.subarray(0, cut), bytes.subarray(cut)]));
    }
    expect([...results]).toEqual(['Hello']);
  });

  it('§7.2.3.5: two DEFLATE blocks in one message', () => {
    expect(inflateMessage(zlibCompression.createInflater(15), [hex('f2 48 05 00 00 00 ff ff ca c9 c9 07 00')])).toBe('Hello');
  });

  it('§7.2.3.6: an empty message 00', () => {
    const i = zlibCompression.createInflater(15);
    const out: Uint8Array[] = [];
    expect(i.inflate(hex('00'), 0, 1, true, 100, out)).toBe(0);
    expect(concat(...out)).toHaveLength(0);
    expect(inflateMessage(i, [hex('f2 48 cd c9 c9 07 00')])).toBe('Hello');
  });

  it('inflates only data[start, end)', () => {
    const framed = hex('aa bb f2 48 cd c9 c9 07 00 cc');
    const out: Uint8Array[] = [];
    expect(zlibCompression.createInflater(15).inflate(framed, 2, 9, true, 100, out)).toBe(5);
    expect(Buffer.concat(out).toString()).toBe('Hello');
  });
});

describe('Inflater: limits and errors', () => {
  const zeros = 5 * 1024 * 1024;
  const bomb = zlib.deflateRawSync(Buffer.alloc(zeros), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);

  it('produces exactly up to the limit', () => {
    const out: Uint8Array[] = [];
    expect(zlibCompression.createInflater(15).inflate(bomb, 0, bomb.length, true, zeros, out)).toBe(zeros);
    expect(out.reduce((n, c) => n + c.length, 0)).toBe(zeros);
  });

  it('fails with 1009 one byte past the limit, without producing more than the limit', () => {
    const out: Uint8Array[] = [];
    const err = thrown(() => zlibCompression.createInflater(15).inflate(bomb, 0, bomb.length, true, zeros - 1, out));
    expect(err.code).toBe('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    expect(err.closeCode).toBe(1009);
    expect(out.reduce((n, c) => n + c.length, 0)).toBeLessThanOrEqual(zeros - 1);
  });

  it('stops a decompression bomb at the limit (1 MiB out of 5 MiB), not after inflating it all', () => {
    const out: Uint8Array[] = [];
    const limit = 1024 * 1024;
    expect(() => zlibCompression.createInflater(15).inflate(bomb, 0, bomb.length, false, limit, out)).toThrow(ProtocolError);
    expect(out.reduce((n, c) => n + c.length, 0)).toBeLessThanOrEqual(limit);
  });

  it('counts the limit over the tail too: limit 4 for "Hello" fails', () => {
    const i = zlibCompression.createInflater(15);
    const data = hex('f2 48 cd c9 c9 07 00');
    const err = thrown(() => i.inflate(data, 0, data.length, true, 4, []));
    expect(err.closeCode).toBe(1009);
  });

  it('a limit of 0 accepts an empty message', () => {
    expect(zlibCompression.createInflater(15).inflate(hex('00'), 0, 1, true, 0, [])).toBe(0);
  });

  it('rejects corrupt data with 1007 (invalid block type 11)', () => {
    const err = thrown(() => zlibCompression.createInflater(15).inflate(hex('ff ff ff ff'), 0, 4, true, 100, []));
    expect(err.code).toBe('WS_ERR_INFLATE_FAILED');
    expect(err.closeCode).toBe(1007);
  });

  it('rejects a back-reference into the previous message beyond the negotiated window with 1007', () => {
    // Within one call zlib can reach back into its own output, so the window is only binding
    // across calls: the second message refers 4000 bytes back, into the first.
    const text = utf8(randomBytes(3000).toString('base64'));
    const d = zlibCompression.createDeflater({ windowBits: 15 });
    const m1 = d.compress(text, true);
    const m2 = d.compress(text, true);
    expect(m2.length).toBeLessThan(100);
    const small = zlibCompression.createInflater(9);
    expect(inflateMessage(small, [m1])).toBe(Buffer.from(text).toString());
    const err = thrown(() => inflateMessage(small, [m2]));
    expect(err.closeCode).toBe(1007);
    // The negotiated 15-bit window decodes both.
    const large = zlibCompression.createInflater(15);
    inflateMessage(large, [m1]);
    expect(inflateMessage(large, [m2])).toBe(Buffer.from(text).toString());
  });

  it('data compressed with a small window decodes with it', () => {
    const text = longRangeText();
    const c = zlibCompression.createDeflater({ windowBits: 9 }).compress(text, true);
    expect(inflateMessage(zlibCompression.createInflater(9), [c])).toBe(Buffer.from(text).toString());
  });

  it('close() can be called after a failure', () => {
    const i = zlibCompression.createInflater(15);
    expect(() => i.inflate(hex('ff ff ff ff'), 0, 4, true, 100, [])).toThrow(ProtocolError);
    expect(() => i.close()).not.toThrow();
  });
});
