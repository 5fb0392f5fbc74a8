import { describe, expect, it } from 'vitest';
import { Connection, type ConnectionOptions } from '../src/connection.js';
import type { Role } from '../src/role.js';
import { Opcode } from '../src/opcodes.js';
import { type OutputSink, SharedFrame, writeChunksTo, writeFrameTo } from '../src/output-sink.js';
import { deflateParams, messages, wire } from './support/connection-harness.js';
import { concat, decodeFrames, frame, hex, toHex, utf8 } from './support/frames.js';

/**
 * A send buffer like a transport's arena: `capacity` bytes, reservations up to `maxReserve`,
 * flushed (into `sent`, next generation) when a reservation does not fit behind what it holds.
 */
class ArenaSink implements OutputSink {
  readonly bytes: Uint8Array;
  used = 0;
  generation = 0;
  reserved = -1;
  /** Everything handed over, in order: what was flushed, then `pending()`. */
  readonly sent: Uint8Array[] = [];
  /** Regions committed, in order (offset, length), of the current generation. */
  private regions: [number, number][] = [];
  recommits = 0;

  constructor(
    readonly capacity = 1024,
    readonly maxReserve = capacity,
  ) {
    this.bytes = new Uint8Array(capacity);
  }

  reserve(length: number): number {
    if (this.reserved >= 0) throw new Error('reserve before the previous reservation was committed');
    if (length > this.maxReserve) return -1;
    if (this.used + length > this.capacity) this.flush();
    this.reserved = length;
    return this.used;
  }

  commit(length: number): void {
    if (this.reserved < 0) throw new Error('commit without a reservation');
    if (length > this.reserved) throw new Error(`commit of ${length} bytes, ${this.reserved} reserved`);
    this.regions.push([this.used, length]);
    this.used += length;
    this.reserved = -1;
  }

  recommit(offset: number, length: number, generation: number): boolean {
    if (generation !== this.generation) return false;
    this.regions.push([offset, length]);
    this.recommits++;
    return true;
  }

  flush(): void {
    this.sent.push(this.pending());
    this.regions = [];
    this.used = 0;
    this.generation++;
  }

  /** The committed regions of the current generation, concatenated in commit order. */
  pending(): Uint8Array {
    return concat(...this.regions.map(([o, n]) => this.bytes.slice(o, o + n)));
  }

  /** All bytes handed over so far, flushed or pending. */
  all(): Uint8Array {
    return concat(...this.sent, this.pending());
  }
}

function conn(role: Role, options: Partial<ConnectionOptions> = {}): Connection {
  return new Connection({ role, ...options });
}

const MASKED_PING = (payload: string) => frame({ opcode: Opcode.PING, payload: utf8(payload), mask: hex('11 22 33 44') });

describe('writeFrameTo: one frame into a lent buffer', () => {
  // Length classes: 7-bit (0, 125), 16-bit (126, 65535), 64-bit (65536).
  const lengths = [0, 1, 125, 126, 65_535, 65_536];
  for (const opcode of [Opcode.TEXT, Opcode.BINARY, Opcode.CONTINUATION, Opcode.PING, Opcode.PONG, Opcode.CLOSE]) {
    for (const length of lengths) {
      if (opcode >= 0x8 && length > 125) continue;
      for (const masked of [false, true]) {
        it(`opcode ${opcode}, ${length} B, ${masked ? 'masked' : 'unmasked'}`, () => {
          const sink = new ArenaSink(200_000);
          sink.used = 8; // not at the buffer's start
          const payload = new Uint8Array(length).map((_, i) => (i * 7) & 0xff);
          const original = payload.slice();
          const at = writeFrameTo(sink, opcode !== Opcode.CONTINUATION, false, opcode, payload, masked);
          expect(at).toBe(8);
          const headerLength = (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
          expect(sink.used).toBe(8 + headerLength + length);
          const [f, ...rest] = decodeFrames(sink.pending());
          expect(rest).toEqual([]);
          expect(f.opcode).toBe(opcode);
          expect(f.fin).toBe(opcode !== Opcode.CONTINUATION);
          expect(f.rsv1).toBe(false);
          expect(f.length).toBe(length);
          expect(f.extendedLengthBytes).toBe(length < 126 ? 0 : length < 0x10000 ? 2 : 8);
          expect(f.key !== undefined).toBe(masked);
          expect(toHex(f.payload)).toBe(toHex(original));
          // The caller's payload is never modified (masking writes a copy).
          expect(toHex(payload)).toBe(toHex(original));
        });
      }
    }
  }

  it('writes a string as UTF-8, masked or not, with the length in bytes', () => {
    for (const masked of [false, true]) {
      const sink = new ArenaSink(4096);
      const text = 'héllo wörld ✓ 🎉'.repeat(10);
      writeFrameTo(sink, true, false, Opcode.TEXT, text, masked);
      const [f] = decodeFrames(sink.pending());
      expect(f.length).toBe(Buffer.byteLength(text));
      expect(Buffer.from(f.payload).toString('utf8')).toBe(text);
      expect(f.key !== undefined).toBe(masked);
    }
  });

  it('sets RSV1 and FIN as asked', () => {
    const sink = new ArenaSink();
    writeFrameTo(sink, false, true, Opcode.BINARY, utf8('x'), false);
    const [f] = decodeFrames(sink.pending());
    expect([f.fin, f.rsv1, f.opcode]).toEqual([false, true, Opcode.BINARY]);
  });

  it('returns -1 and writes nothing when the sink refuses the reservation', () => {
    const sink = new ArenaSink(1024, 100);
    expect(writeFrameTo(sink, true, false, Opcode.BINARY, new Uint8Array(99), false)).toBe(-1); // 2 + 99 > 100
    expect(writeFrameTo(sink, true, false, Opcode.TEXT, 'x'.repeat(99), false)).toBe(-1);
    expect(sink.used).toBe(0);
    expect(sink.all()).toHaveLength(0);
    expect(writeFrameTo(sink, true, false, Opcode.BINARY, new Uint8Array(98), false)).toBe(0);
  });

  it('lets the sink flush to make room: the frame lands whole at the start of the next generation', () => {
    const sink = new ArenaSink(64);
    writeFrameTo(sink, true, false, Opcode.BINARY, new Uint8Array(40), false);
    const at = writeFrameTo(sink, true, false, Opcode.BINARY, new Uint8Array(40), false);
    expect(at).toBe(0);
    expect(sink.generation).toBe(1);
    expect(decodeFrames(sink.all()).map((f) => f.length)).toEqual([40, 40]);
  });
});

describe('writeChunksTo', () => {
  it('copies ready chunks behind one reservation, or nothing when they do not fit', () => {
    const sink = new ArenaSink(1024, 10);
    expect(writeChunksTo(sink, [hex('01 02'), hex('03')])).toBe(true);
    expect(toHex(sink.pending())).toBe(toHex(hex('01 02 03')));
    expect(writeChunksTo(sink, [new Uint8Array(6), new Uint8Array(5)])).toBe(false);
    expect(sink.used).toBe(3);
    expect(writeChunksTo(sink, [])).toBe(true);
  });
});

describe('Connection: sendTextTo / sendBinaryTo', () => {
  it.each(['server', 'client'] as const)('%s: a whole message of each length class is one frame in the sink, nothing returned', (role) => {
    for (const length of [0, 125, 126, 65_535, 65_536]) {
      const c = conn(role);
      const sink = new ArenaSink(200_000);
      const bytes = new Uint8Array(length).fill(0x61);
      expect(c.sendBinaryTo(sink, bytes)).toEqual([]);
      expect(c.sendBinaryTo(sink, 'a'.repeat(length))).toEqual([]);
      expect(c.sendTextTo(sink, 'a'.repeat(length))).toEqual([]);
      expect(c.sendTextTo(sink, bytes)).toEqual([]);
      const frames = decodeFrames(sink.all());
      expect(frames.map((f) => [f.opcode, f.fin, f.length, f.key !== undefined])).toEqual([
        [Opcode.BINARY, true, length, role === 'client'],
        [Opcode.BINARY, true, length, role === 'client'],
        [Opcode.TEXT, true, length, role === 'client'],
        [Opcode.TEXT, true, length, role === 'client'],
      ]);
      for (const f of frames) expect(f.payload.every((b) => b === 0x61)).toBe(true);
    }
  });

  it('writes exactly the bytes sendText/sendBinary return (same frames, unmasked)', () => {
    const c = conn('server');
    const sink = new ArenaSink(4096);
    c.sendTextTo(sink, 'hello');
    c.sendBinaryTo(sink, hex('00 ff 10'));
    expect(toHex(sink.all())).toBe(toHex(concat(wire(conn('server').sendText('hello')), wire(conn('server').sendBinary(hex('00 ff 10'))))));
  });

  it('returns the frames a sink cannot take, writing nothing of them', () => {
    const c = conn('server');
    const sink = new ArenaSink(1024, 64);
    const big = new Uint8Array(100).fill(7);
    const rest = c.sendBinaryTo(sink, big);
    expect(sink.all()).toHaveLength(0);
    const [f] = decodeFrames(wire(rest));
    expect([f.opcode, f.length]).toEqual([Opcode.BINARY, 100]);
    expect(f.payload.every((b) => b === 7)).toBe(true);
    const text = c.sendTextTo(sink, 'y'.repeat(100));
    expect(decodeFrames(wire(text)).map((x) => [x.opcode, x.length])).toEqual([[Opcode.TEXT, 100]]);
    // A small one still goes into the sink.
    expect(c.sendTextTo(sink, 'ok')).toEqual([]);
    expect(decodeFrames(sink.all()).map((x) => Buffer.from(x.payload).toString())).toEqual(['ok']);
  });

  // What `canFrameDirectly` guarded, now the codec's own business inside the sink.
  it('continues an open fragmented send with a continuation frame, as send* would', () => {
    const c = conn('server');
    const sink = new ArenaSink();
    expect(c.sendTextTo(sink, 'part', { fin: false })).toEqual([]);
    expect(c.sendTextTo(sink, 'end')).toEqual([]);
    expect(c.sendTextTo(sink, 'next')).toEqual([]);
    expect(decodeFrames(sink.all()).map((f) => [f.opcode, f.fin, Buffer.from(f.payload).toString()])).toEqual([
      [Opcode.TEXT, false, 'part'],
      [Opcode.CONTINUATION, true, 'end'],
      [Opcode.TEXT, true, 'next'],
    ]);
  });

  it('writes a pong the connection queued before the message, and takeOutgoing is empty after', () => {
    const c = conn('server');
    const sink = new ArenaSink();
    c.receive(MASKED_PING('p'));
    expect(c.sendTextTo(sink, 'after')).toEqual([]);
    expect(decodeFrames(sink.all()).map((f) => [f.opcode, Buffer.from(f.payload).toString()])).toEqual([
      [Opcode.PONG, 'p'],
      [Opcode.TEXT, 'after'],
    ]);
    expect(c.takeOutgoing()).toEqual([]);
    // With the outbox empty again, the next message is framed straight into the sink.
    expect(c.sendBinaryTo(sink, hex('01'))).toEqual([]);
    expect(decodeFrames(sink.all())).toHaveLength(3);
  });

  it('throws once a close frame was sent, writing nothing', () => {
    const c = conn('server');
    const sink = new ArenaSink();
    c.close(1000);
    expect(() => c.sendTextTo(sink, 'late')).toThrow(/not open/);
    expect(() => c.sendBinaryTo(sink, hex('01'))).toThrow(/not open/);
    expect(sink.all()).toHaveLength(0);
  });

  it('compressed messages: the compressed frame (RSV1) goes into the sink and inflates to the message', () => {
    const params = deflateParams();
    const server = conn('server', { deflate: params });
    const client = conn('client', { deflate: params });
    const sink = new ArenaSink(65_536);
    const text = 'compress me '.repeat(200);
    expect(server.sendTextTo(sink, text, { compress: true })).toEqual([]);
    expect(server.sendBinaryTo(sink, Buffer.from(text), { compress: true })).toEqual([]);
    // Under the threshold and not asked for: plain.
    expect(server.sendTextTo(sink, 'tiny')).toEqual([]);
    const frames = decodeFrames(sink.all());
    expect(frames.map((f) => [f.opcode, f.rsv1])).toEqual([
      [Opcode.TEXT, true],
      [Opcode.BINARY, true],
      [Opcode.TEXT, false],
    ]);
    expect(frames[0].length).toBeLessThan(text.length / 10);
    // A client codec with the same parameters reads what the server wrote (one context, in order).
    const received = messages(client.receive(sink.all()));
    expect(received).toEqual([
      { binary: false, text },
      { binary: true, text },
      { binary: false, text: 'tiny' },
    ]);
  });

  it('compressed messages a sink cannot take come back as frames (the deflater state stays in step)', () => {
    const params = deflateParams();
    const server = conn('server', { deflate: params });
    const client = conn('client', { deflate: params });
    const small = new ArenaSink(1024, 8);
    const text = 'x'.repeat(5000) + 'abc'.repeat(500);
    const rest = server.sendTextTo(small, text, { compress: true });
    expect(small.all()).toHaveLength(0);
    expect(decodeFrames(wire(rest))[0].rsv1).toBe(true);
    const big = new ArenaSink(65_536);
    expect(server.sendTextTo(big, text, { compress: true })).toEqual([]);
    const received = messages(client.receive(concat(wire(rest), big.all())));
    expect(received).toEqual([
      { binary: false, text },
      { binary: false, text },
    ]);
  });
});

describe('Connection: sendSharedTo (one frame for many connections)', () => {
  it('frames once per sink generation and recommits for the other connections', () => {
    const sink = new ArenaSink(1024);
    const shared = new SharedFrame().reset(Opcode.TEXT, 'to everyone');
    const conns = [conn('server'), conn('server'), conn('server')];
    for (const c of conns) expect(c.sendSharedTo(sink, shared)).toBe(true);
    expect(sink.recommits).toBe(2);
    expect(sink.used).toBe(2 + 'to everyone'.length);
    expect(decodeFrames(sink.all()).map((f) => [f.opcode, f.fin, Buffer.from(f.payload).toString()])).toEqual(
      Array(3).fill([Opcode.TEXT, true, 'to everyone']),
    );
    // After a flush the frame is written anew, then shared again.
    sink.flush();
    for (const c of conns) c.sendSharedTo(sink, shared);
    expect(sink.recommits).toBe(4);
    expect(decodeFrames(sink.all())).toHaveLength(6);
  });

  it('is framed anew after reset (another message) and for another sink', () => {
    const sink = new ArenaSink(1024);
    const other = new ArenaSink(1024);
    const shared = new SharedFrame().reset(Opcode.BINARY, hex('01 02'));
    conn('server').sendSharedTo(sink, shared);
    conn('server').sendSharedTo(other, shared);
    shared.reset(Opcode.BINARY, hex('03'));
    conn('server').sendSharedTo(sink, shared);
    expect(sink.recommits + other.recommits).toBe(0);
    expect(decodeFrames(sink.all()).map((f) => toHex(f.payload))).toEqual([toHex(hex('01 02')), toHex(hex('03'))]);
    expect(decodeFrames(other.all()).map((f) => toHex(f.payload))).toEqual([toHex(hex('01 02'))]);
  });

  it('a sink without recommit gets a copy per connection', () => {
    const inner = new ArenaSink(1024);
    const plainSink: OutputSink = {
      get bytes() {
        return inner.bytes;
      },
      reserve: (n) => inner.reserve(n),
      commit: (n) => inner.commit(n),
    };
    const shared = new SharedFrame().reset(Opcode.BINARY, hex('aa bb'));
    expect(conn('server').sendSharedTo(plainSink, shared)).toBe(true);
    expect(conn('server').sendSharedTo(plainSink, shared)).toBe(true);
    expect(inner.used).toBe(8);
    expect(decodeFrames(inner.all())).toHaveLength(2);
  });

  it('puts a queued pong first, and answers false (message not written) when the sink cannot take the frame', () => {
    const sink = new ArenaSink(1024, 16);
    const c = conn('server');
    c.receive(MASKED_PING('hi'));
    const shared = new SharedFrame().reset(Opcode.BINARY, new Uint8Array(20).fill(9));
    expect(c.sendSharedTo(sink, shared)).toBe(false);
    expect(decodeFrames(sink.all()).map((f) => f.opcode)).toEqual([Opcode.PONG]);
    expect(c.takeOutgoing()).toEqual([]);
    // The usual way still works after it.
    expect(decodeFrames(wire(c.sendBinary(shared.payload as Uint8Array))).map((f) => [f.opcode, f.length])).toEqual([[Opcode.BINARY, 20]]);
  });

  it('leaves a queued pong queued when the sink cannot take even that', () => {
    const sink = new ArenaSink(1024, 1);
    const c = conn('server');
    c.receive(MASKED_PING('hi'));
    const shared = new SharedFrame().reset(Opcode.TEXT, 'x');
    expect(c.sendSharedTo(sink, shared)).toBe(false);
    expect(sink.all()).toHaveLength(0);
    expect(decodeFrames(wire(c.sendText('x'))).map((f) => f.opcode)).toEqual([Opcode.PONG, Opcode.TEXT]);
  });

  /** A client, a server inside its own fragmented send and a closed server each refuse `shared`. */
  function expectRefusals(sink: ArenaSink, shared: SharedFrame): void {
    expect(() => conn('client').sendSharedTo(sink, shared)).toThrow(/server role/);
    const c = conn('server');
    c.sendText('a', { fin: false });
    expect(() => c.sendSharedTo(sink, shared)).toThrow(/fragmented/);
    const d = conn('server');
    d.close(1000);
    expect(() => d.sendSharedTo(sink, shared)).toThrow(/not open/);
  }

  it('refuses a client, an open fragmented send, and a closed connection', () => {
    const sink = new ArenaSink();
    const shared = new SharedFrame().reset(Opcode.TEXT, 'x');
    expectRefusals(sink, shared);
    expect(sink.all()).toHaveLength(0);
  });

  it('refuses them as well once the frame is in the sink (the recommit path), and puts a queued pong before a recommit', () => {
    const sink = new ArenaSink();
    const shared = new SharedFrame().reset(Opcode.TEXT, 'x');
    expect(conn('server').sendSharedTo(sink, shared)).toBe(true);
    expectRefusals(sink, shared);
    expect(sink.recommits).toBe(0);
    const p = conn('server');
    p.receive(MASKED_PING('hi'));
    expect(p.sendSharedTo(sink, shared)).toBe(true);
    expect(sink.recommits).toBe(1);
    expect(decodeFrames(sink.all()).map((f) => [f.opcode, Buffer.from(f.payload).toString()])).toEqual([
      [Opcode.TEXT, 'x'],
      [Opcode.PONG, 'hi'],
      [Opcode.TEXT, 'x'],
    ]);
    expect(p.takeOutgoing()).toEqual([]);
  });
});

describe('Connection: the unmask option', () => {
  it('unmasks large payload pieces with the accelerator passed in, small ones without it', () => {
    const calls: number[] = [];
    const unmask = (data: Uint8Array, word: number) => {
      calls.push(data.length);
      const key = new Uint8Array(new Uint32Array([word]).buffer);
      for (let i = 0; i < data.length; i++) data[i] ^= key[i & 3];
    };
    const c = conn('server', { unmask });
    const big = new Uint8Array(10_000).map((_, i) => i & 0xff);
    const got = messages(c.receive(frame({ opcode: Opcode.BINARY, payload: big, mask: hex('12 34 56 78') })));
    expect(calls).toEqual([10_000]);
    expect(got).toHaveLength(1);
    const small = messages(c.receive(frame({ opcode: Opcode.TEXT, payload: utf8('small'), mask: hex('12 34 56 78') })));
    expect(small).toEqual([{ binary: false, text: 'small' }]);
    expect(calls).toEqual([10_000]);
    // Another connection without it does not use it.
    messages(conn('server').receive(frame({ opcode: Opcode.BINARY, payload: big, mask: hex('12 34 56 78') })));
    expect(calls).toEqual([10_000]);
  });
});
