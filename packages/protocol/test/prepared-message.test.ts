import { describe, expect, it } from 'vitest';
import type { CompressionProvider } from '../src/deflate/streams.js';
import { Connection } from '../src/connection.js';
import type { DeflateParams } from '../src/deflate/params.js';
import { prepareMessage } from '../src/prepared-message.js';
import { zlibCompression } from '../src/deflate/zlib-streams.js';
import { deflateParams, feed, messages, wire } from './support/connection-harness.js';
import { decodeFrames, hex, toHex, utf8 } from './support/frames.js';

const server = (deflate?: DeflateParams) => new Connection({ role: 'server', deflate });

describe('prepareMessage', () => {
  it('frames a string as one unmasked text frame', () => {
    const m = prepareMessage('Hello');
    expect(toHex(wire(m.plain))).toBe('81 05 48 65 6c 6c 6f');
    expect(m.compressed).toBeUndefined();
    expect(m.windowBits).toBe(15);
  });

  it('frames bytes as binary by default, as text with binary: false', () => {
    expect(toHex(wire(prepareMessage(utf8('Hello')).plain))).toBe('82 05 48 65 6c 6c 6f');
    expect(toHex(wire(prepareMessage(utf8('Hello'), { binary: false }).plain))).toBe('81 05 48 65 6c 6c 6f');
  });

  it('compresses with a fresh context: "Hello" is c1 07 f2 48 cd c9 c9 07 00 every time', () => {
    for (let i = 0; i < 3; i++) {
      const m = prepareMessage('Hello', { compress: true });
      expect(toHex(wire(m.compressed!))).toBe('c1 07 f2 48 cd c9 c9 07 00');
    }
    expect(toHex(wire(prepareMessage(utf8('Hello'), { compress: true }).compressed!))).toBe('c2 07 f2 48 cd c9 c9 07 00');
  });

  it('records the window and honours the level', () => {
    const m = prepareMessage('x'.repeat(500), { compress: true, windowBits: 10, level: 0 });
    expect(m.windowBits).toBe(10);
    // Level 0 stores: the payload is not smaller than the input.
    expect(decodeFrames(wire(m.compressed!))[0].length).toBeGreaterThanOrEqual(500);
  });

  it('uses the given compression provider', () => {
    let created = 0;
    const provider: CompressionProvider = {
      createDeflater: (o) => {
        created++;
        return zlibCompression.createDeflater(o);
      },
      createInflater: (w) => zlibCompression.createInflater(w),
    };
    prepareMessage('a', { compress: true, compression: provider });
    prepareMessage('b', { compress: true, compression: provider });
    expect(created).toBe(1);
  });

  it('large messages frame and decode', () => {
    const data = new Uint8Array(100_000).map((_, i) => i % 251);
    const m = prepareMessage(data, { compress: true });
    const client = new Connection({ role: 'client', deflate: deflateParams({ serverNoContextTakeover: true }) });
    const events = feed(client, wire([...m.plain, ...m.compressed!]));
    expect(events.filter((e) => e.type === 'message').map((e) => e.type === 'message' && Buffer.from(e.data).equals(data))).toEqual([true, true]);
  });
});

describe('Connection.sendPrepared', () => {
  const compressed = prepareMessage('Hello', { compress: true });

  it('sends the plain frame to a peer without deflate', () => {
    expect(toHex(wire(server().sendPrepared(compressed)))).toBe('81 05 48 65 6c 6c 6f');
  });

  it('sends the compressed frame when the server has no context takeover and the window fits', () => {
    const s = server(deflateParams({ serverNoContextTakeover: true }));
    expect(toHex(wire(s.sendPrepared(compressed)))).toBe('c1 07 f2 48 cd c9 c9 07 00');
  });

  it('sends the plain frame when the server keeps its context (the peer window would diverge)', () => {
    expect(toHex(wire(server(deflateParams()).sendPrepared(compressed)))).toBe('81 05 48 65 6c 6c 6f');
  });

  it('sends the plain frame when the message window is larger than the peer allows', () => {
    const s = server(deflateParams({ serverNoContextTakeover: true, serverMaxWindowBits: 12 }));
    expect(toHex(wire(s.sendPrepared(compressed)))).toBe('81 05 48 65 6c 6c 6f');
    const small = prepareMessage('Hello', { compress: true, windowBits: 12 });
    expect(wire(s.sendPrepared(small))[0]).toBe(0xc1);
  });

  it('sends the plain frame for a message prepared without compression', () => {
    const s = server(deflateParams({ serverNoContextTakeover: true }));
    expect(toHex(wire(s.sendPrepared(prepareMessage('Hello'))))).toBe('81 05 48 65 6c 6c 6f');
  });

  it('interleaves with the connection own compressed messages and the peer decodes all', () => {
    const params = deflateParams({ serverNoContextTakeover: true });
    const s = server(params);
    const text = 'broadcast payload '.repeat(100);
    const m = prepareMessage(text, { compress: true });
    const bytes = wire([...s.sendText(text, { compress: true }), ...s.sendPrepared(m), ...s.sendText(text, { compress: true }), ...s.sendPrepared(m)]);
    expect(decodeFrames(bytes).every((f) => f.rsv1)).toBe(true);
    const client = new Connection({ role: 'client', deflate: params });
    expect(messages(feed(client, bytes))).toEqual([0, 1, 2, 3].map(() => ({ binary: false, text })));
  });

  it('the same prepared frames serve several connections', () => {
    const params = deflateParams({ serverNoContextTakeover: true });
    const m = prepareMessage(hex('00 01 02 03'), { compress: true });
    for (let i = 0; i < 3; i++) {
      const client = new Connection({ role: 'client', deflate: params });
      expect(messages(feed(client, wire(server(params).sendPrepared(m))))).toEqual([{ binary: true, text: '\u0000\u0001\u0002\u0003' }]);
    }
  });

  it('is refused for clients, during a streamed message, and after close', () => {
    expect(() => new Connection({ role: 'client' }).sendPrepared(compressed)).toThrow(Error);
    const streaming = server();
    streaming.sendText('a', { fin: false });
    expect(() => streaming.sendPrepared(compressed)).toThrow(Error);
    const closed = server();
    closed.close();
    expect(() => closed.sendPrepared(compressed)).toThrow(Error);
  });
});
