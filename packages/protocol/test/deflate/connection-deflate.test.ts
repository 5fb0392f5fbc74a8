import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { CompressionProvider } from '../../src/deflate/streams.js';
import { Connection, type ConnectionEvent, type ConnectionOptions } from '../../src/connection.js';
import type { DeflateParams } from '../../src/deflate/params.js';
import type { Role } from '../../src/role.js';
import { Opcode } from '../../src/opcodes.js';
import { zlibCompression } from '../../src/deflate/zlib-streams.js';
import { CONTEXT_TAKEOVER_COMBINATIONS, deflateParams, feed, feedBytewise, messages, plain, wire } from '../support/connection-harness.js';
import { closePayload, concat, decodeFrames, frame, hex, toHex, utf8 } from '../support/frames.js';

const peerOf = (role: Role): Role => (role === 'server' ? 'client' : 'server');

function conn(role: Role, options: Partial<ConnectionOptions> = {}): Connection {
  return new Connection({ role, deflate: deflateParams(), ...options });
}

/** A compressed frame as the peer of a `role` connection sends it (masked towards a server). */
function fromPeer(role: Role, f: Parameters<typeof frame>[0]): Uint8Array {
  return frame({ mask: role === 'server' ? hex('a1 b2 c3 d4') : undefined, ...f });
}

/** Wraps the zlib provider, counting what the codec asks of it. */
function countingProvider() {
  const stats = {
    /** Bytes appended to `out` by all inflate calls, including calls that threw. */
    inflated: 0,
    inflaterWindowBits: [] as number[],
    deflaterWindowBits: [] as number[],
    inflaterResets: 0,
    inflaterCloses: 0,
    deflaterCloses: 0,
  };
  const provider: CompressionProvider = {
    createDeflater(options) {
      stats.deflaterWindowBits.push(options.windowBits);
      const d = zlibCompression.createDeflater(options);
      return {
        compress: (data, final) => d.compress(data, final),
        reset: () => d.reset(),
        close: () => {
          stats.deflaterCloses++;
          d.close();
        },
      };
    },
    createInflater(windowBits) {
      stats.inflaterWindowBits.push(windowBits);
      const i = zlibCompression.createInflater(windowBits);
      return {
        inflate(data, start, end, final, limit, out) {
          const before = out.length;
          try {
            return i.inflate(data, start, end, final, limit, out);
          } finally {
            for (let k = before; k < out.length; k++) stats.inflated += out[k].length;
          }
        },
        reset: () => {
          stats.inflaterResets++;
          i.reset();
        },
        close: () => {
          stats.inflaterCloses++;
          i.close();
        },
      };
    },
  };
  return { provider, stats };
}

function expectFailed(c: Connection, events: ConnectionEvent[], code: string, closeCode: number): void {
  const p = plain(events);
  const errorAt = p.findIndex((e) => e.type === 'error');
  expect(errorAt, JSON.stringify(p)).toBeGreaterThanOrEqual(0);
  expect(p.slice(errorAt)).toEqual([
    { type: 'error', code, closeCode },
    { type: 'close', code: closeCode, reason: expect.any(String) as string, wasClean: false },
  ]);
  const out = decodeFrames(wire(c.takeOutgoing()));
  expect(out.map((f) => [f.opcode, toHex(f.payload)])).toEqual([[Opcode.CLOSE, toHex(closePayload(closeCode))]]);
  expect(c.state).toBe('closed');
}

/** Raw deflate of `data` with the sync-flush tail removed, as a permessage-deflate payload. */
function deflatePayload(data: Uint8Array): Uint8Array {
  return new Uint8Array(zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4));
}

const RFC_7692_CASES: [string, string[], string[]][] = [
  ['§7.2.3.1 one compressed block', ['c1 07 f2 48 cd c9 c9 07 00'], ['Hello']],
  ['§7.2.3.1 in two fragments', ['41 03 f2 48 cd', '80 04 c9 c9 07 00'], ['Hello']],
  ['§7.2.3.2 two messages sharing the LZ77 window', ['c1 07 f2 48 cd c9 c9 07 00', 'c1 05 f2 00 11 00 00'], ['Hello', 'Hello']],
  ['§7.2.3.3 a block with no compression', ['c1 0b 00 05 00 fa ff 48 65 6c 6c 6f 00'], ['Hello']],
  ['§7.2.3.4 a block with BFINAL set, then another message', ['c1 08 f3 48 cd c9 c9 07 00 00', 'c1 07 f2 48 cd c9 c9 07 00'], ['Hello', 'Hello']],
  ['§7.2.3.5 two blocks in one message', ['c1 0d f2 48 05 00 00 00 ff ff ca c9 c9 07 00'], ['Hello']],
];

describe('Connection + permessage-deflate: RFC 7692 §7.2.3 examples received', () => {
  it.each(RFC_7692_CASES)('client receives %s (as one chunk and byte by byte)', (_name, frames, expected) => {
    const bytes = concat(...frames.map(hex));
    for (const events of [feed(conn('client'), bytes), feedBytewise(conn('client'), bytes)]) {
      expect(messages(events)).toEqual(expected.map((text) => ({ binary: false, text })));
      expect(events.every((e) => e.type === 'message')).toBe(true);
    }
  });

  it.each(RFC_7692_CASES)('server receives %s masked', (_name, frames, expected) => {
    const masked = frames.map((f) => {
      const [d] = decodeFrames(hex(f));
      return fromPeer('server', { opcode: d.opcode, fin: d.fin, rsv1: d.rsv1, payload: d.payload });
    });
    const events = feed(conn('server'), concat(...masked));
    expect(messages(events)).toEqual(expected.map((text) => ({ binary: false, text })));
  });

  it('still accepts uncompressed messages (RSV1 clear)', () => {
    expect(messages(conn('client').receive(hex('81 05 48 65 6c 6c 6f')))).toEqual([{ binary: false, text: 'Hello' }]);
  });

  it('RSV1 on a continuation frame fails with 1002 even when deflate is negotiated', () => {
    const c = conn('client');
    expectFailed(c, c.receive(hex('41 03 f2 48 cd c0 04 c9 c9 07 00')), 'WS_ERR_UNEXPECTED_RSV_1', 1002);
  });

  it('RSV1 on a control frame fails with 1002 even when deflate is negotiated', () => {
    const c = conn('client');
    expectFailed(c, c.receive(hex('c9 00')), 'WS_ERR_UNEXPECTED_RSV_1', 1002);
  });

  it('corrupt compressed data fails with 1007', () => {
    const c = conn('client');
    expectFailed(c, c.receive(hex('c1 04 ff ff ff ff')), 'WS_ERR_INFLATE_FAILED', 1007);
  });

  it('a peer that declared no_context_takeover but refers to the previous message fails with 1007', () => {
    // The server resets its inflater after each client message, as client_no_context_takeover says.
    const c = conn('server', { deflate: deflateParams({ clientNoContextTakeover: true }) });
    const first = fromPeer('server', { opcode: Opcode.TEXT, rsv1: true, payload: hex('f2 48 cd c9 c9 07 00') });
    const second = fromPeer('server', { opcode: Opcode.TEXT, rsv1: true, payload: hex('f2 00 11 00 00') });
    expect(messages(c.receive(first))).toEqual([{ binary: false, text: 'Hello' }]);
    expectFailed(c, c.receive(second), 'WS_ERR_INFLATE_FAILED', 1007);
  });
});

describe('Connection + permessage-deflate: UTF-8 and limits', () => {
  it('invalid UTF-8 inside a compressed text message fails with 1007', () => {
    const c = conn('client');
    const payload = deflatePayload(hex('48 69 ed a0 80'));
    expectFailed(c, c.receive(frame({ opcode: Opcode.TEXT, rsv1: true, payload })), 'WS_ERR_INVALID_UTF8', 1007);
  });

  it('invalid UTF-8 in the first compressed fragment fails before the last fragment arrives', () => {
    const d = zlibCompression.createDeflater({ windowBits: 15 });
    const first = d.compress(concat(utf8('fine so far '), hex('c0 80')), false);
    const c = conn('client');
    expectFailed(c, c.receive(frame({ opcode: Opcode.TEXT, rsv1: true, fin: false, payload: first })), 'WS_ERR_INVALID_UTF8', 1007);
  });

  it('a compressed text message ending inside a code point fails with 1007', () => {
    const c = conn('client');
    expectFailed(c, c.receive(frame({ opcode: Opcode.TEXT, rsv1: true, payload: deflatePayload(hex('41 e2 82')) })), 'WS_ERR_INVALID_UTF8', 1007);
  });

  it('maxMessageLength counts inflated bytes: exactly the limit passes, one more fails with 1009', () => {
    const data = new Uint8Array(5000).fill(0x61);
    const payload = deflatePayload(data);
    expect(payload.length).toBeLessThan(100);
    const ok = conn('client', { maxMessageLength: 5000 });
    expect(messages(ok.receive(frame({ opcode: Opcode.TEXT, rsv1: true, payload })))[0].text).toBe('a'.repeat(5000));
    const tooBig = conn('client', { maxMessageLength: 4999 });
    expectFailed(tooBig, tooBig.receive(frame({ opcode: Opcode.TEXT, rsv1: true, payload })), 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009);
  });

  it('maxMessageLength counts inflated bytes across compressed fragments', () => {
    const d = zlibCompression.createDeflater({ windowBits: 15 });
    const parts = [d.compress(new Uint8Array(3000), false), d.compress(new Uint8Array(3000), true)];
    const c = conn('client', { maxMessageLength: 5000 });
    const events = c.receive(concat(frame({ opcode: Opcode.BINARY, rsv1: true, fin: false, payload: parts[0] }), frame({ opcode: Opcode.CONTINUATION, payload: parts[1] })));
    expectFailed(c, events, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009);
  });

  describe('decompression bomb: 50 MiB of zeros against maxMessageLength 1 MiB', () => {
    const limit = 1024 * 1024;
    const bomb = deflatePayload(new Uint8Array(50 * 1024 * 1024));

    it('is small on the wire', () => {
      expect(bomb.length).toBeLessThan(100 * 1024);
    });

    it('fails with 1009 having inflated no more than the limit + 64 KiB (one frame)', () => {
      const { provider, stats } = countingProvider();
      const c = conn('server', { compression: provider, maxMessageLength: limit });
      const events = c.receive(fromPeer('server', { opcode: Opcode.BINARY, rsv1: true, payload: bomb }));
      expectFailed(c, events, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009);
      expect(stats.inflated).toBeLessThanOrEqual(limit + 64 * 1024);
      expect(stats.inflaterCloses).toBe(1);
    });

    it('fails with 1009 having inflated no more than the limit + 64 KiB (fragments fed in 4 KiB pieces)', () => {
      const { provider, stats } = countingProvider();
      const c = conn('server', { compression: provider, maxMessageLength: limit });
      const third = Math.ceil(bomb.length / 3);
      const bytes = concat(
        fromPeer('server', { opcode: Opcode.BINARY, rsv1: true, fin: false, payload: bomb.subarray(0, third) }),
        fromPeer('server', { opcode: Opcode.CONTINUATION, fin: false, payload: bomb.subarray(third, 2 * third) }),
        fromPeer('server', { opcode: Opcode.CONTINUATION, payload: bomb.subarray(2 * third) }),
      );
      const cuts = Array.from({ length: Math.floor(bytes.length / 4096) }, (_, i) => (i + 1) * 4096);
      expectFailed(c, feed(c, bytes, cuts), 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009);
      expect(stats.inflated).toBeLessThanOrEqual(limit + 64 * 1024);
    });
  });
});

describe('Connection + permessage-deflate: sending', () => {
  it('compresses at zlib level 1 unless compressionLevel says otherwise (same bytes as level 1, not as level 6)', () => {
    const text = JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ id: i, user: `user-${i % 7}`, text: `message ${i * 37} of the feed`, at: 1_700_000_000 + i * 13 })));
    const bytes = (options: Partial<ConnectionOptions>) => toHex(wire(conn('server', options).sendText(text)));
    const byDefault = bytes({});
    expect(byDefault).toBe(bytes({ compressionLevel: 1 }));
    expect(byDefault).not.toBe(bytes({ compressionLevel: 6 }));
    // The level only changes the size: the peer reads the same text back.
    const c = conn('client');
    expect(plain(feed(c, wire(conn('server').sendText(text))))).toEqual([{ type: 'message', binary: false, data: Buffer.from(text) }]);
  });

  it('server compresses "Hello" to exactly c1 07 f2 48 cd c9 c9 07 00, then c1 05 f2 00 11 00 00 (context takeover)', () => {
    const s = conn('server');
    expect(toHex(wire(s.sendText('Hello', { compress: true })))).toBe('c1 07 f2 48 cd c9 c9 07 00');
    expect(toHex(wire(s.sendText('Hello', { compress: true })))).toBe('c1 05 f2 00 11 00 00');
  });

  it('with server_no_context_takeover the server compresses every "Hello" the same', () => {
    const s = conn('server', { deflate: deflateParams({ serverNoContextTakeover: true }) });
    for (let i = 0; i < 3; i++) expect(toHex(wire(s.sendText('Hello', { compress: true })))).toBe('c1 07 f2 48 cd c9 c9 07 00');
  });

  it('client_no_context_takeover governs the client compressor, not the server one', () => {
    const params = deflateParams({ clientNoContextTakeover: true });
    const c = conn('client', { deflate: params });
    const payloads = [0, 1, 2].map(() => toHex(decodeFrames(wire(c.sendText('Hello', { compress: true })))[0].payload));
    expect(payloads).toEqual(['f2 48 cd c9 c9 07 00', 'f2 48 cd c9 c9 07 00', 'f2 48 cd c9 c9 07 00']);
    const s = conn('server', { deflate: params });
    s.sendText('Hello', { compress: true });
    expect(toHex(wire(s.sendText('Hello', { compress: true })))).toBe('c1 05 f2 00 11 00 00');
  });

  it('compresses messages of at least compressThreshold bytes (default 1024) unless told otherwise', () => {
    const s = conn('server');
    expect(wire(s.sendText('Hello'))[0]).toBe(0x81);
    expect(wire(s.sendText('x'.repeat(1023)))[0]).toBe(0x81);
    expect(wire(s.sendText('x'.repeat(1024)))[0]).toBe(0xc1);
    expect(wire(s.sendBinary(new Uint8Array(2000)))[0]).toBe(0xc2);
    expect(wire(s.sendBinary(new Uint8Array(2000), { compress: false }))[0]).toBe(0x82);
    expect(wire(s.sendText('Hello', { compress: true }))[0]).toBe(0xc1);
    const eager = conn('server', { compressThreshold: 0 });
    expect(wire(eager.sendText('Hi'))[0]).toBe(0xc1);
  });

  it('never compresses without negotiated deflate, even when asked', () => {
    const s = new Connection({ role: 'server' });
    expect(toHex(wire(s.sendText('Hello', { compress: true })))).toBe('81 05 48 65 6c 6c 6f');
  });

  it('fragmentSize: RSV1 only on the first frame, and the peer decodes the message', () => {
    const c = conn('client');
    const text = 'compress me, '.repeat(200);
    const bytes = wire(c.sendText(text, { compress: true, fragmentSize: 16 }));
    const frames = decodeFrames(bytes);
    expect(frames.length).toBeGreaterThan(2);
    expect(frames.map((f) => f.rsv1)).toEqual(frames.map((_, i) => i === 0));
    expect(frames.map((f) => f.opcode)).toEqual(frames.map((_, i) => (i === 0 ? Opcode.TEXT : Opcode.CONTINUATION)));
    expect(messages(feed(conn('server'), bytes))).toEqual([{ binary: false, text }]);
  });

  it('fin: false streaming compresses per message: RSV1 only on the first frame', () => {
    const s = conn('server');
    const bytes = wire([
      ...s.sendBinary(utf8('part one '), { compress: true, fin: false }),
      ...s.sendBinary(utf8('part two '), { fin: false }),
      ...s.sendBinary(utf8('part three')),
    ]);
    const frames = decodeFrames(bytes);
    expect(frames.map((f) => [f.opcode, f.rsv1, f.fin])).toEqual([
      [Opcode.BINARY, true, false],
      [Opcode.CONTINUATION, false, false],
      [Opcode.CONTINUATION, false, true],
    ]);
    expect(messages(feed(conn('client'), bytes))).toEqual([{ binary: true, text: 'part one part two part three' }]);
  });

  it('a streamed compressed message may end with an empty send, and the next message still decodes', () => {
    const s = conn('server');
    const peer = conn('client');
    const bytes = wire([...s.sendText('abc', { compress: true, fin: false }), ...s.sendText('', { fin: true }), ...s.sendText('abcabc', { compress: true })]);
    expect(messages(feed(peer, bytes))).toEqual([
      { binary: false, text: 'abc' },
      { binary: false, text: 'abcabc' },
    ]);
  });

  it('an empty compressed message between others keeps the peer in step (context takeover)', () => {
    const s = conn('server');
    const frames = [s.sendText('Hello', { compress: true }), s.sendText('', { compress: true }), s.sendText('Hello', { compress: true })];
    expect(toHex(wire(frames[1]))).toBe('c1 01 00');
    const peer = conn('client');
    expect(messages(feed(peer, wire(frames.flat())))).toEqual([
      { binary: false, text: 'Hello' },
      { binary: false, text: '' },
      { binary: false, text: 'Hello' },
    ]);
  });

  it('a message compressed after an uncompressed one decodes on the peer', () => {
    const s = conn('server', { compressThreshold: 10 });
    const bytes = wire([...s.sendText('short'), ...s.sendText('a longer message that gets compressed'), ...s.sendText('tiny')]);
    expect(decodeFrames(bytes).map((f) => f.rsv1)).toEqual([false, true, false]);
    expect(messages(feed(conn('client'), bytes)).map((m) => m.text)).toEqual(['short', 'a longer message that gets compressed', 'tiny']);
  });

  describe.each(CONTEXT_TAKEOVER_COMBINATIONS.map((d) => [`server_nct=${d.serverNoContextTakeover} client_nct=${d.clientNoContextTakeover}`, d] as [string, DeflateParams]))(
    '%s',
    (_name, params) => {
      it.each(['server', 'client'] as const)('%s sender: repeated messages decode on the peer; identical output iff no context takeover', (role) => {
        const sender = conn(role, { deflate: params });
        const receiver = conn(peerOf(role), { deflate: params });
        const text = `repeated message with some entropy ${randomBytes(200).toString('hex')}`;
        const sent = [0, 1, 2, 3].map(() => wire(sender.sendText(text, { compress: true })));
        const payloads = sent.map((b) => decodeFrames(b)[0].payload);
        const noTakeover = role === 'server' ? params.serverNoContextTakeover : params.clientNoContextTakeover;
        if (noTakeover) {
          expect(new Set(payloads.map(toHex)).size).toBe(1);
        } else {
          expect(payloads[1].length).toBeLessThan(payloads[0].length / 4);
        }
        expect(messages(feed(receiver, concat(...sent)))).toEqual(sent.map(() => ({ binary: false, text })));
      });
    },
  );

  it('uses the negotiated window sizes: server deflates with server_max_window_bits, client inflates with it', () => {
    const params = deflateParams({ serverMaxWindowBits: 10, clientMaxWindowBits: 12 });
    const serverSide = countingProvider();
    const clientSide = countingProvider();
    const s = conn('server', { deflate: params, compression: serverSide.provider });
    const c = conn('client', { deflate: params, compression: clientSide.provider });
    const block = randomBytes(1500).toString('base64');
    const msgs = [block, block, block.slice(100) + block];
    const bytes = wire(msgs.flatMap((m) => s.sendText(m, { compress: true })));
    expect(messages(feed(c, bytes)).map((m) => m.text)).toEqual(msgs);
    expect(serverSide.stats.deflaterWindowBits).toEqual([10]);
    expect(clientSide.stats.inflaterWindowBits).toEqual([10]);
    const back = wire(c.sendText(block, { compress: true }));
    expect(messages(feed(s, back)).map((m) => m.text)).toEqual([block]);
    expect(clientSide.stats.deflaterWindowBits).toEqual([12]);
    expect(serverSide.stats.inflaterWindowBits).toEqual([12]);
  });

  it('resets its inflater after each message when the peer has no context takeover', () => {
    const { provider, stats } = countingProvider();
    const c = conn('client', { deflate: deflateParams({ serverNoContextTakeover: true }), compression: provider });
    c.receive(hex('c1 07 f2 48 cd c9 c9 07 00 c1 07 f2 48 cd c9 c9 07 00'));
    expect(stats.inflaterResets).toBe(2);
  });
});

describe('Connection + permessage-deflate: one shared compressor without context takeover', () => {
  const nct = deflateParams({ serverNoContextTakeover: true });

  it('compresses whole messages of every connection with one stream per thread', () => {
    const { provider, stats } = countingProvider();
    const servers = [0, 1, 2].map(() => conn('server', { deflate: nct, compression: provider }));
    for (const s of servers) for (let i = 0; i < 2; i++) expect(toHex(wire(s.sendText('Hello', { compress: true })))).toBe('c1 07 f2 48 cd c9 c9 07 00');
    expect(stats.deflaterWindowBits).toEqual([15]);
    // Closing a connection leaves the shared stream to the others.
    servers[0].receiveEof();
    expect(stats.deflaterCloses).toBe(0);
    expect(toHex(wire(servers[1].sendText('Hello', { compress: true })))).toBe('c1 07 f2 48 cd c9 c9 07 00');
  });

  it('a fragmented compressed send keeps a stream of its own while other connections use the shared one', () => {
    const { provider, stats } = countingProvider();
    const a = conn('server', { deflate: nct, compression: provider });
    const b = conn('server', { deflate: nct, compression: provider });
    const text = 'fragmented and compressed, '.repeat(20);
    const first = wire(a.sendText(text, { compress: true, fin: false }));
    const other = wire(b.sendText(text, { compress: true }));
    const last = wire(a.sendText(text, { compress: true }));
    // Both streams exist: the shared one (b's whole message) and a's own.
    expect(stats.deflaterWindowBits).toEqual([15, 15]);
    const client = () => new Connection({ role: 'client', deflate: nct });
    expect(messages(feed(client(), concat(first, last))).map((m) => m.text)).toEqual([text + text]);
    expect(messages(feed(client(), other)).map((m) => m.text)).toEqual([text]);
    // a's next whole message goes through the shared stream and decodes on its own.
    expect(messages(feed(client(), wire(a.sendText('Hello', { compress: true })))).map((m) => m.text)).toEqual(['Hello']);
  });

  it('inflates whole messages of every connection with one stream per thread when the peer resets', () => {
    const { provider, stats } = countingProvider();
    const params = deflateParams({ clientNoContextTakeover: true });
    const servers = [0, 1, 2].map(() => conn('server', { deflate: params, compression: provider }));
    const hello = () => fromPeer('server', { opcode: Opcode.TEXT, rsv1: true, payload: hex('f2 48 cd c9 c9 07 00') });
    for (const s of servers) expect(messages(s.receive(concat(hello(), hello()))).map((m) => m.text)).toEqual(['Hello', 'Hello']);
    expect(stats.inflaterWindowBits).toEqual([15]);
  });

  it('a corrupt message fails its connection only; the others inflate on', () => {
    const { provider } = countingProvider();
    const params = deflateParams({ clientNoContextTakeover: true });
    const [bad, good] = [0, 1].map(() => conn('server', { deflate: params, compression: provider }));
    const hello = () => fromPeer('server', { opcode: Opcode.TEXT, rsv1: true, payload: hex('f2 48 cd c9 c9 07 00') });
    expect(messages(good.receive(hello())).map((m) => m.text)).toEqual(['Hello']);
    const failed = plain(bad.receive(fromPeer('server', { opcode: Opcode.TEXT, rsv1: true, payload: hex('ff ff ff ff') })));
    expect(failed.find((e) => e.type === 'error')).toMatchObject({ code: 'WS_ERR_INFLATE_FAILED', closeCode: 1007 });
    expect(messages(good.receive(hello())).map((m) => m.text)).toEqual(['Hello']);
    expect(messages(conn('server', { deflate: params, compression: provider }).receive(hello())).map((m) => m.text)).toEqual(['Hello']);
  });

  it('a compressed message split across receives keeps its own stream while others use the shared one', () => {
    const params = deflateParams({ clientNoContextTakeover: true });
    const [a, b] = [0, 1].map(() => conn('server', { deflate: params }));
    const text = 'split across receive calls, '.repeat(30);
    const sender = new Connection({ role: 'client', deflate: params });
    const whole = wire(sender.sendText(text, { compress: true }));
    const half = whole.length >> 1;
    const got: string[] = [];
    got.push(...messages(a.receive(whole.slice(0, half))).map((m) => `a:${m.text}`));
    got.push(...messages(b.receive(wire(sender.sendText('Hello', { compress: true })))).map((m) => `b:${m.text}`));
    got.push(...messages(a.receive(whole.slice(half))).map((m) => `a:${m.text}`));
    expect(got).toEqual(['b:Hello', `a:${text}`]);
  });

  it('keeps a stream per connection with context takeover', () => {
    const { provider, stats } = countingProvider();
    const servers = [0, 1].map(() => conn('server', { compression: provider }));
    for (const s of servers) s.sendText('Hello', { compress: true });
    expect(stats.deflaterWindowBits).toEqual([15, 15]);
  });
});

describe('Connection + permessage-deflate: compressor lifetime', () => {
  function withBoth() {
    const counting = countingProvider();
    const c = conn('server', { compression: counting.provider });
    c.sendText('Hello', { compress: true });
    c.receive(fromPeer('server', { opcode: Opcode.TEXT, rsv1: true, payload: hex('f2 48 cd c9 c9 07 00') }));
    return { c, stats: counting.stats };
  }

  it('frees the deflater and inflater when the close handshake completes', () => {
    const { c, stats } = withBoth();
    c.close(1000);
    c.receive(fromPeer('server', { opcode: Opcode.CLOSE, payload: closePayload(1000) }));
    expect([stats.deflaterCloses, stats.inflaterCloses]).toEqual([1, 1]);
  });

  it('frees them on a protocol error', () => {
    const { c, stats } = withBoth();
    c.receive(fromPeer('server', { opcode: 0x3 }));
    expect([stats.deflaterCloses, stats.inflaterCloses]).toEqual([1, 1]);
  });

  it('frees them at the end of the transport', () => {
    const { c, stats } = withBoth();
    c.receiveEof();
    expect([stats.deflaterCloses, stats.inflaterCloses]).toEqual([1, 1]);
  });

  it('creates nothing until a compressed message is sent or received', () => {
    const { provider, stats } = countingProvider();
    const c = conn('server', { compression: provider });
    c.sendText('small');
    c.receive(fromPeer('server', { opcode: Opcode.TEXT, payload: 'plain' }));
    expect([stats.deflaterWindowBits.length, stats.inflaterWindowBits.length]).toEqual([0, 0]);
  });
});
