import { describe, expect, it } from 'vitest';
import { Connection, type ConnectionHandler } from '../src/connection.js';
import { MIN_POOLED_MESSAGE_BYTES, pooledMessageBytes } from '../src/message-buffer-pool.js';
import { Opcode } from '../src/opcodes.js';
import { concat, frame, hex, utf8 } from './support/frames.js';

const KEY = hex('11 22 33 44');

/** A masked client frame carrying `payload`. */
function clientFrame(opcode: number, payload: Uint8Array | string): Uint8Array {
  return frame({ opcode, payload, mask: KEY });
}

/** A payload whose bytes depend on `seed`, so two messages never look alike. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
}

interface Received {
  data: Uint8Array;
  /** A copy taken inside the callback. */
  copy: Uint8Array;
  binary: boolean;
}

function recorder(extra: Partial<ConnectionHandler> = {}): { handler: ConnectionHandler; got: Received[] } {
  const got: Received[] = [];
  return {
    got,
    handler: {
      onMessage: (data, binary) => got.push({ data, copy: new Uint8Array(data), binary }),
      ...extra,
    },
  };
}

describe('Connection.receive(bytes, start, end)', () => {
  it('parses only the given range of a larger buffer', () => {
    const { handler, got } = recorder();
    const c = new Connection({ role: 'server', handler });
    const junk = new Uint8Array([0xff, 0xff, 0xff]);
    const bytes = concat(junk, clientFrame(Opcode.BINARY, pattern(10, 1)), clientFrame(Opcode.TEXT, 'hi'), junk);
    c.receive(bytes, 3, bytes.length - 3);
    expect(got.map((m) => [m.binary, Array.from(m.copy)])).toEqual([
      [true, Array.from(pattern(10, 1))],
      [false, Array.from(utf8('hi'))],
    ]);
    expect(c.state).toBe('open');
  });

  it('keeps a frame cut at the end of the range for the next call', () => {
    const { handler, got } = recorder();
    const c = new Connection({ role: 'server', handler });
    const f = clientFrame(Opcode.BINARY, pattern(40, 2));
    const bytes = concat(new Uint8Array(8), f);
    c.receive(bytes, 8, 8 + 20);
    expect(got).toHaveLength(0);
    c.receive(bytes, 28, bytes.length);
    expect(Array.from(got[0].copy)).toEqual(Array.from(pattern(40, 2)));
  });
});

describe('ConnectionHandler.viewOf', () => {
  it('makes the view every whole message is validated and delivered in', () => {
    const scratch = new Uint8Array(64);
    const calls: [number, number][] = [];
    const { handler, got } = recorder({
      // A reused view: the bytes are copied into the same scratch object each time.
      viewOf(bytes, start, end) {
        calls.push([start, end]);
        const view = scratch.subarray(0, end - start);
        view.set(bytes.subarray(start, end));
        return view;
      },
    });
    const c = new Connection({ role: 'server', handler });
    const a = clientFrame(Opcode.TEXT, 'hello');
    const b = clientFrame(Opcode.BINARY, pattern(20, 3));
    c.receive(concat(a, b));
    expect(calls).toEqual([
      [a.length - 5, a.length],
      [a.length + b.length - 20, a.length + b.length],
    ]);
    expect(got[0].data.buffer).toBe(scratch.buffer);
    expect(Buffer.from(got[0].copy).toString()).toBe('hello');
    expect(Array.from(got[1].copy)).toEqual(Array.from(pattern(20, 3)));
  });

  it('text is validated on the view the handler made', () => {
    const { handler, got } = recorder({ viewOf: () => new Uint8Array([0xc3, 0x28]) /* invalid UTF-8 */ });
    const errors: string[] = [];
    handler.onError = (e) => errors.push(e.code);
    const c = new Connection({ role: 'server', handler });
    c.receive(clientFrame(Opcode.TEXT, 'ok'));
    expect(got).toHaveLength(0);
    expect(errors).toEqual(['WS_ERR_INVALID_UTF8']);
    expect(c.closeCode).toBe(1007);
  });
});

describe('ConnectionOptions.reuseMessageBuffers', () => {
  /** Two large messages, each fed in 1000-byte chunks so they stream in. */
  function streamTwo(reuse: boolean): Received[] {
    const { handler, got } = recorder();
    const c = new Connection({ role: 'server', handler, reuseMessageBuffers: reuse });
    const length = MIN_POOLED_MESSAGE_BYTES * 4 + 3;
    for (const seed of [1, 2]) {
      const f = clientFrame(Opcode.BINARY, pattern(length, seed));
      for (let at = 0; at < f.length; at += 1000) c.receive(f.slice(at, Math.min(f.length, at + 1000)));
    }
    expect(got.map((m) => m.copy.length)).toEqual([length, length]);
    expect(Array.from(got[0].copy)).toEqual(Array.from(pattern(length, 1)));
    expect(Array.from(got[1].copy)).toEqual(Array.from(pattern(length, 2)));
    return got;
  }

  it('assembles the next large message in the buffer the previous one was handed out in', () => {
    const got = streamTwo(true);
    expect(got[1].data.buffer).toBe(got[0].data.buffer);
    expect(pooledMessageBytes()).toBeGreaterThanOrEqual(got[0].data.length);
  });

  it('is off by default: every message keeps its own buffer', () => {
    const got = streamTwo(false);
    expect(got[1].data.buffer).not.toBe(got[0].data.buffer);
    // The first message is still intact after the second arrived.
    expect(Array.from(got[0].data)).toEqual(Array.from(got[0].copy));
  });

  it('leaves small streamed messages in buffers of their own', () => {
    const { handler, got } = recorder();
    const c = new Connection({ role: 'server', handler, reuseMessageBuffers: true });
    const f = clientFrame(Opcode.BINARY, pattern(MIN_POOLED_MESSAGE_BYTES - 1, 4));
    for (const seed of [0, 1]) {
      void seed;
      c.receive(f.slice(0, 100));
      c.receive(f.slice(100));
    }
    expect(got[1].data.buffer === got[0].data.buffer && got[0].data.byteOffset === got[1].data.byteOffset).toBe(false);
  });
});
