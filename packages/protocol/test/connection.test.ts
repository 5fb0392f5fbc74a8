import { afterEach, describe, expect, it, vi } from 'vitest';
import { Connection, type ConnectionEvent, type ConnectionOptions } from '../src/connection.js';
import type { Role } from '../src/role.js';
import { ProtocolError } from '../src/errors.js';
import { Opcode } from '../src/opcodes.js';
import { feed, feedBytewise, messages, plain, wire } from './support/connection-harness.js';
import { closePayload, concat, decodeFrames, frame, hex, toHex, utf8 } from './support/frames.js';

const peerOf = (role: Role): Role => (role === 'server' ? 'client' : 'server');

/** A frame as the peer of a `role` connection sends it: masked towards a server. */
function fromPeer(role: Role, f: Parameters<typeof frame>[0]): Uint8Array {
  return frame({ mask: role === 'server' ? hex('11 22 33 44') : undefined, ...f });
}

function conn(role: Role, options: Partial<ConnectionOptions> = {}): Connection {
  return new Connection({ role, ...options });
}

/** The frames a connection queued on its own (pongs, close replies), decoded. */
function outgoing(c: Connection) {
  return decodeFrames(wire(c.takeOutgoing()));
}

function expectFailed(c: Connection, events: ConnectionEvent[], code: string, closeCode: number): void {
  const p = plain(events);
  const errorAt = p.findIndex((e) => e.type === 'error');
  expect(errorAt, JSON.stringify(p)).toBeGreaterThanOrEqual(0);
  expect(p.slice(errorAt)).toEqual([
    { type: 'error', code, closeCode },
    { type: 'close', code: closeCode, reason: expect.any(String) as string, wasClean: false },
  ]);
  expect(c.state).toBe('closed');
  expect(c.closeCode).toBe(closeCode);
  expect(c.shouldCloseTransport).toBe(true);
  const out = outgoing(c);
  expect(out).toHaveLength(1);
  expect(out[0].opcode).toBe(Opcode.CLOSE);
  expect(toHex(out[0].payload)).toBe(toHex(closePayload(closeCode)));
  expect(out[0].key !== undefined).toBe(c.role === 'client');
}

describe('Connection: RFC 6455 §5.7 frames received', () => {
  it('server receives the masked "Hello"', () => {
    const c = conn('server');
    expect(plain(c.receive(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58')))).toEqual([{ type: 'message', binary: false, data: Buffer.from('Hello') }]);
  });

  it('client receives the unmasked "Hello"', () => {
    const c = conn('client');
    expect(plain(c.receive(hex('81 05 48 65 6c 6c 6f')))).toEqual([{ type: 'message', binary: false, data: Buffer.from('Hello') }]);
  });

  it('server fails on the unmasked "Hello" with 1002', () => {
    const c = conn('server');
    expectFailed(c, c.receive(hex('81 05 48 65 6c 6c 6f')), 'WS_ERR_EXPECTED_MASK', 1002);
  });

  it('client fails on the masked "Hello" with 1002', () => {
    const c = conn('client');
    expectFailed(c, c.receive(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58')), 'WS_ERR_UNEXPECTED_MASK', 1002);
  });

  it('joins the fragmented "Hel" + "lo" into one message, only when the last fragment arrives', () => {
    const c = conn('client');
    expect(c.receive(hex('01 03 48 65 6c'))).toEqual([]);
    expect(messages(c.receive(hex('80 02 6c 6f')))).toEqual([{ binary: false, text: 'Hello' }]);
  });

  it('client answers the unmasked ping 89 05 "Hello" with a masked pong carrying "Hello"', () => {
    const c = conn('client');
    expect(plain(c.receive(hex('89 05 48 65 6c 6c 6f')))).toEqual([{ type: 'ping', data: Buffer.from('Hello') }]);
    const out = outgoing(c);
    expect(out).toHaveLength(1);
    expect(out[0].opcode).toBe(Opcode.PONG);
    expect(out[0].key).toBeDefined();
    expect(Buffer.from(out[0].payload).toString()).toBe('Hello');
  });

  it('server answers a masked ping with the unmasked pong 8a 05 "Hello"', () => {
    const c = conn('server');
    c.receive(hex('89 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(toHex(wire(c.takeOutgoing()))).toBe('8a 05 48 65 6c 6c 6f');
    expect(c.takeOutgoing()).toEqual([]);
  });

  it('server reports the masked pong 8a 85 ... as a pong event', () => {
    const c = conn('server');
    expect(plain(c.receive(hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58')))).toEqual([{ type: 'pong', data: Buffer.from('Hello') }]);
    expect(c.takeOutgoing()).toEqual([]);
  });

  it.each([256, 65536])('receives the %i-byte binary example, in one piece and in 1000-byte pieces', (size) => {
    const payload = new Uint8Array(size).map((_, i) => i * 3);
    const header = size === 256 ? hex('82 7e 01 00') : hex('82 7f 00 00 00 00 00 01 00 00');
    const bytes = concat(header, payload);
    const cuts = Array.from({ length: Math.floor(bytes.length / 1000) }, (_, i) => (i + 1) * 1000);
    for (const events of [feed(conn('client'), bytes), feed(conn('client'), bytes, cuts)]) {
      expect(plain(events)).toEqual([{ type: 'message', binary: true, data: Buffer.from(payload) }]);
    }
  });
});

describe('Connection: receiving messages', () => {
  it.each(['server', 'client'] as const)('%s: text, binary, empty messages and multi-frame streams', (role) => {
    const bytes = concat(
      fromPeer(role, { opcode: Opcode.TEXT, payload: 'héllo' }),
      fromPeer(role, { opcode: Opcode.BINARY, payload: hex('00 ff') }),
      fromPeer(role, { opcode: Opcode.TEXT }),
      fromPeer(role, { opcode: Opcode.BINARY }),
      fromPeer(role, { opcode: Opcode.BINARY, fin: false, payload: 'ab' }),
      fromPeer(role, { opcode: Opcode.CONTINUATION, fin: false }),
      fromPeer(role, { opcode: Opcode.CONTINUATION, payload: 'cd' }),
    );
    const expected = [
      { type: 'message', binary: false, data: Buffer.from('héllo') },
      { type: 'message', binary: true, data: Buffer.from([0, 255]) },
      { type: 'message', binary: false, data: Buffer.alloc(0) },
      { type: 'message', binary: true, data: Buffer.alloc(0) },
      { type: 'message', binary: true, data: Buffer.from('abcd') },
    ];
    expect(plain(feed(conn(role), bytes))).toEqual(expected);
    expect(plain(feedBytewise(conn(role), bytes))).toEqual(expected);
  });

  it('control frames between fragments are reported before the message they interrupt', () => {
    const c = conn('client');
    const events = c.receive(hex('01 03 48 65 6c 89 01 78 80 02 6c 6f'));
    expect(plain(events)).toEqual([
      { type: 'ping', data: Buffer.from('x') },
      { type: 'message', binary: false, data: Buffer.from('Hello') },
    ]);
  });

  it('messages stay intact after the input buffer is reused (streamed messages are copied)', () => {
    const c = conn('client');
    const bytes = frame({ opcode: Opcode.BINARY, payload: 'abcdef' });
    const first = bytes.slice(0, 5);
    c.receive(first);
    first.fill(0);
    const [e] = c.receive(bytes.slice(5));
    expect(e.type === 'message' && Buffer.from(e.data).toString()).toBe('abcdef');
  });

  it('delivers to a handler instead of returning events', () => {
    const calls: unknown[][] = [];
    const c = conn('client', {
      handler: {
        onMessage: (data, isBinary) => calls.push(['message', Buffer.from(data).toString(), isBinary]),
        onPing: (data) => calls.push(['ping', Buffer.from(data).toString()]),
        onPong: (data) => calls.push(['pong', Buffer.from(data).toString()]),
        onClose: (code, reason, wasClean) => calls.push(['close', code, reason, wasClean]),
        onError: (error) => calls.push(['error', error.code]),
      },
    });
    const events = c.receive(
      concat(hex('81 02 68 69'), hex('89 01 61'), hex('8a 01 62'), frame({ opcode: Opcode.CLOSE, payload: closePayload(1000, 'done') })),
    );
    expect(events).toEqual([]);
    expect(calls).toEqual([
      ['message', 'hi', false],
      ['ping', 'a'],
      ['pong', 'b'],
      ['close', 1000, 'done', true],
    ]);
    const failing: unknown[][] = [];
    const c2 = conn('client', {
      handler: { onMessage: () => {}, onError: (e) => failing.push(['error', e.closeCode]), onClose: (code) => failing.push(['close', code]) },
    });
    c2.receive(hex('83 00'));
    expect(failing).toEqual([
      ['error', 1002],
      ['close', 1002],
    ]);
  });
});

describe('Connection: limits', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('maxPayloadLength: a frame announcing more fails with 1009 from its header alone', () => {
    const c = conn('server', { maxPayloadLength: 1024 });
    const header = frame({ opcode: Opcode.BINARY, declaredLength: 1025, mask: true });
    expectFailed(c, c.receive(header), 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', 1009);
  });

  it('maxPayloadLength: exactly the limit passes', () => {
    const c = conn('server', { maxPayloadLength: 1024 });
    expect(messages(c.receive(fromPeer('server', { opcode: Opcode.BINARY, payload: new Uint8Array(1024) })))).toHaveLength(1);
  });

  it('maxMessageLength: counted across fragments, failing at the fragment that crosses it', () => {
    const c = conn('client', { maxMessageLength: 10 });
    expect(c.receive(frame({ opcode: Opcode.TEXT, fin: false, payload: '123456' }))).toEqual([]);
    expect(c.receive(frame({ opcode: Opcode.CONTINUATION, fin: false, payload: '7890' }))).toEqual([]);
    // The header of the next fragment alone is enough to know the message is too big.
    const next = frame({ opcode: Opcode.CONTINUATION, payload: 'x' });
    expectFailed(c, c.receive(next.subarray(0, 2)), 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009);
  });

  it('maxMessageLength: a message of exactly the limit in several fragments passes', () => {
    const c = conn('client', { maxMessageLength: 10 });
    const bytes = concat(frame({ opcode: Opcode.TEXT, fin: false, payload: '123456' }), frame({ opcode: Opcode.CONTINUATION, payload: '7890' }));
    expect(messages(c.receive(bytes))).toEqual([{ binary: false, text: '1234567890' }]);
  });

  it('maxMessageLength: a single frame over it fails whether it arrives whole or streamed', () => {
    const bytes = frame({ opcode: Opcode.BINARY, payload: new Uint8Array(11), mask: true });
    const whole = conn('server', { maxMessageLength: 10 });
    expectFailed(whole, whole.receive(bytes.slice()), 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009);
    const streamed = conn('server', { maxMessageLength: 10 });
    expectFailed(streamed, feed(streamed, bytes, [8]), 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009);
  });

  it('maxMessageLength: a header announcing a frame above it allocates nothing near its size', () => {
    const alloc = vi.spyOn(Buffer, 'allocUnsafe');
    const c = conn('server', { maxMessageLength: 1024 * 1024, maxPayloadLength: 512 * 1024 * 1024 });
    const header = frame({ opcode: Opcode.BINARY, declaredLength: 256 * 1024 * 1024, mask: true });
    expectFailed(c, c.receive(header), 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009);
    const sizes = alloc.mock.calls.map((args) => args[0]);
    expect(Math.max(0, ...sizes)).toBeLessThanOrEqual(1024 * 1024);
  });

  it('maxFragments: one more fragment than allowed fails with 1009', () => {
    const ok = conn('client', { maxFragments: 3 });
    const three = concat(hex('01 01 61'), hex('00 01 62'), hex('80 01 63'));
    expect(messages(ok.receive(three))).toEqual([{ binary: false, text: 'abc' }]);
    const c = conn('client', { maxFragments: 3 });
    const four = concat(hex('01 01 61'), hex('00 01 62'), hex('00 01 63'), hex('80 01 64'));
    expectFailed(c, c.receive(four), 'WS_ERR_TOO_MANY_FRAGMENTS', 1009);
  });

  it('maxFragments: control frames between fragments do not count', () => {
    const c = conn('client', { maxFragments: 2 });
    const bytes = concat(hex('01 01 61'), hex('89 00'), hex('89 00'), hex('80 01 62'));
    expect(messages(c.receive(bytes))).toEqual([{ binary: false, text: 'ab' }]);
  });
});

describe('Connection: UTF-8 validation', () => {
  it('fails with 1007 on the first fragment of a text message before later fragments arrive', () => {
    const c = conn('client');
    const first = frame({ opcode: Opcode.TEXT, fin: false, payload: concat(utf8('ok '), hex('ff'), utf8(' more')) });
    expectFailed(c, c.receive(first), 'WS_ERR_INVALID_UTF8', 1007);
  });

  it('fails on a first fragment that ends in an impossible prefix (F4 90)', () => {
    const c = conn('client');
    expectFailed(c, c.receive(frame({ opcode: Opcode.TEXT, fin: false, payload: hex('41 f4 90') })), 'WS_ERR_INVALID_UTF8', 1007);
  });

  it('fails as soon as the invalid byte arrives when one frame is fed in 1-byte chunks', () => {
    const payload = concat(utf8('valid text, then '), hex('ed a0 80'), utf8(' and more after it'));
    const bytes = frame({ opcode: Opcode.TEXT, payload, mask: true });
    const headerLength = bytes.length - payload.length;
    const invalidAt = headerLength + payload.indexOf(0xa0); // ED A0 is already impossible
    const c = conn('server');
    for (let i = 0; i < bytes.length; i++) {
      const events = c.receive(bytes.slice(i, i + 1));
      if (i < invalidAt) {
        expect(events, `byte ${i}`).toEqual([]);
      } else {
        expect(i).toBe(invalidAt);
        expectFailed(c, events, 'WS_ERR_INVALID_UTF8', 1007);
        break;
      }
    }
  });

  it('accepts a code point split across fragments', () => {
    const c = conn('client');
    const bytes = concat(frame({ opcode: Opcode.TEXT, fin: false, payload: hex('f0 9f') }), frame({ opcode: Opcode.CONTINUATION, payload: hex('98 80') }));
    expect(messages(c.receive(bytes))).toEqual([{ binary: false, text: '😀' }]);
  });

  it('fails with 1007 on a message that ends inside a code point', () => {
    for (const cuts of [[], [3]]) {
      const c = conn('client');
      expectFailed(c, feed(c, frame({ opcode: Opcode.TEXT, payload: hex('41 e2 82') }), cuts), 'WS_ERR_INVALID_UTF8', 1007);
    }
    const c = conn('client');
    const bytes = concat(frame({ opcode: Opcode.TEXT, fin: false, payload: hex('41') }), frame({ opcode: Opcode.CONTINUATION, payload: hex('c3') }));
    expectFailed(c, c.receive(bytes), 'WS_ERR_INVALID_UTF8', 1007);
  });

  it.each([
    ['overlong C0 80', 'c0 80'],
    ['overlong E0 80 80', 'e0 80 80'],
    ['overlong F0 80 80 80', 'f0 80 80 80'],
    ['surrogate ED A0 80', 'ed a0 80'],
    ['above U+10FFFF', 'f4 90 80 80'],
    ['lone continuation', '80'],
    ['FF', 'ff'],
  ])('fails with 1007 on %s in a single-frame text message', (_name, bytes) => {
    const c = conn('client');
    expectFailed(c, c.receive(frame({ opcode: Opcode.TEXT, payload: hex(bytes) })), 'WS_ERR_INVALID_UTF8', 1007);
  });

  it('does not validate binary messages', () => {
    expect(messages(conn('client').receive(frame({ opcode: Opcode.BINARY, payload: hex('ff fe') })))).toHaveLength(1);
  });

  it('skipUtf8Validation accepts invalid text', () => {
    const c = conn('client', { skipUtf8Validation: true });
    expect(plain(c.receive(frame({ opcode: Opcode.TEXT, payload: hex('ff') })))).toEqual([{ type: 'message', binary: false, data: Buffer.from([0xff]) }]);
  });
});

describe('Connection: ping and pong', () => {
  it('answers pings automatically, one pong per ping, in order', () => {
    const c = conn('server');
    c.receive(concat(fromPeer('server', { opcode: Opcode.PING, payload: 'a' }), fromPeer('server', { opcode: Opcode.PING, payload: 'b' })));
    expect(toHex(wire(c.takeOutgoing()))).toBe('8a 01 61 8a 01 62');
  });

  it('sends text given as UTF-8 bytes as a text frame, compressed when asked', () => {
    const s = conn('server');
    const [f] = decodeFrames(wire(s.sendText(utf8('héllo'))));
    expect(f.opcode).toBe(Opcode.TEXT);
    expect(Buffer.from(f.payload).toString()).toBe('héllo');
    const params = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
    const server = new Connection({ role: 'server', deflate: params });
    const client = new Connection({ role: 'client', deflate: params });
    const bytes = wire(server.sendText(utf8('x'.repeat(2000)), { compress: true }));
    expect(decodeFrames(bytes)[0].rsv1).toBe(true);
    expect(plain(client.receive(bytes))).toEqual([{ type: 'message', data: Buffer.from('x'.repeat(2000)), binary: false }]);
  });

  it('puts a queued pong in front of what a send from inside onMessage returns', () => {
    // A ping then a text message in one read: the handler echoes at once, and the pong for the
    // earlier ping must still reach the wire first (Autobahn 5.6, 5.8, 5.19, 5.20).
    const written: Uint8Array[] = [];
    const c: Connection = new Connection({
      role: 'server',
      handler: { onMessage: (data) => written.push(...c.sendText(Buffer.from(data).toString())) },
    });
    c.receive(concat(fromPeer('server', { opcode: Opcode.PING, payload: 'p' }), fromPeer('server', { opcode: Opcode.TEXT, payload: 'm' })));
    written.push(...c.takeOutgoing());
    expect(decodeFrames(wire(written)).map((f) => f.opcode)).toEqual([Opcode.PONG, Opcode.TEXT]);
  });

  it('answers a 125-byte ping with a 125-byte pong', () => {
    const c = conn('server');
    const payload = new Uint8Array(125).map((_, i) => i);
    c.receive(fromPeer('server', { opcode: Opcode.PING, payload }));
    expect(outgoing(c)[0].payload).toEqual(payload);
  });

  it('with autoPong: false reports the ping but sends nothing', () => {
    const c = conn('server', { autoPong: false });
    expect(plain(c.receive(fromPeer('server', { opcode: Opcode.PING, payload: 'x' })))).toEqual([{ type: 'ping', data: Buffer.from('x') }]);
    expect(c.takeOutgoing()).toEqual([]);
  });

  it('ping() and pong() frame payloads up to 125 bytes and throw RangeError above', () => {
    const s = conn('server');
    expect(toHex(wire(s.ping(utf8('Hello'))))).toBe('89 05 48 65 6c 6c 6f');
    expect(toHex(wire(s.pong(utf8('Hello'))))).toBe('8a 05 48 65 6c 6c 6f');
    expect(toHex(wire(s.ping()))).toBe('89 00');
    expect(decodeFrames(wire(s.ping(new Uint8Array(125))))[0].length).toBe(125);
    expect(() => s.ping(new Uint8Array(126))).toThrow(RangeError);
    expect(() => s.pong(new Uint8Array(126))).toThrow(RangeError);
    const c = conn('client');
    const [f] = decodeFrames(wire(c.ping(utf8('Hello'))));
    expect(f.key).toBeDefined();
    expect(Buffer.from(f.payload).toString()).toBe('Hello');
    expect(() => c.pong(new Uint8Array(200))).toThrow(RangeError);
  });
});

describe('Connection: close frames received', () => {
  it.each(['server', 'client'] as const)('%s: an empty close is answered with an empty close and reported as 1005', (role) => {
    const c = conn(role);
    const events = c.receive(fromPeer(role, { opcode: Opcode.CLOSE }));
    expect(plain(events)).toEqual([{ type: 'close', code: 1005, reason: '', wasClean: true }]);
    const out = outgoing(c);
    expect(out).toHaveLength(1);
    expect(out[0].opcode).toBe(Opcode.CLOSE);
    expect(out[0].payload).toHaveLength(0);
    expect(out[0].key !== undefined).toBe(role === 'client');
    expect(c.state).toBe('closed');
    expect(c.closeCode).toBe(1005);
  });

  it('server answers the empty close with exactly 88 00 and should close the transport; a client waits', () => {
    const s = conn('server');
    s.receive(fromPeer('server', { opcode: Opcode.CLOSE }));
    expect(toHex(wire(s.takeOutgoing()))).toBe('88 00');
    expect(s.shouldCloseTransport).toBe(true);
    const c = conn('client');
    c.receive(fromPeer('client', { opcode: Opcode.CLOSE }));
    expect(c.state).toBe('closed');
    expect(c.shouldCloseTransport).toBe(false);
  });

  it('a 1-byte close payload fails with 1002', () => {
    const c = conn('server');
    expectFailed(c, c.receive(fromPeer('server', { opcode: Opcode.CLOSE, payload: hex('03') })), 'WS_ERR_INVALID_CLOSE_PAYLOAD', 1002);
  });

  it.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999])(
    'close code %i is accepted and echoed',
    (code) => {
      const c = conn('server');
      expect(plain(c.receive(fromPeer('server', { opcode: Opcode.CLOSE, payload: closePayload(code, 'why') })))).toEqual([
        { type: 'close', code, reason: 'why', wasClean: true },
      ]);
      expect(toHex(wire(c.takeOutgoing()))).toBe(toHex(concat(hex('88 02'), closePayload(code))));
      expect(c.closeCode).toBe(code);
    },
  );

  it.each(['server', 'client'] as const)('%s with echoCloseReason answers with the code and the reason', (role) => {
    const c = conn(role, { echoCloseReason: true });
    c.receive(fromPeer(role, { opcode: Opcode.CLOSE, payload: closePayload(4000, 'bye now') }));
    const out = outgoing(c);
    expect(out).toHaveLength(1);
    expect(toHex(out[0].payload)).toBe(toHex(closePayload(4000, 'bye now')));
    expect(out[0].key !== undefined).toBe(role === 'client');
  });

  it.each([0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535])('close code %i fails with 1002', (code) => {
    const c = conn('server');
    expectFailed(c, c.receive(fromPeer('server', { opcode: Opcode.CLOSE, payload: closePayload(code) })), 'WS_ERR_INVALID_CLOSE_CODE', 1002);
  });

  it('an invalid UTF-8 close reason fails with 1007', () => {
    const c = conn('server');
    expectFailed(c, c.receive(fromPeer('server', { opcode: Opcode.CLOSE, payload: closePayload(1000, hex('ce ba e1 bd b9 ed a0 80')) })), 'WS_ERR_INVALID_UTF8', 1007);
  });

  it('a 125-byte close payload (123-byte reason) is accepted, 126 bytes fail with 1002', () => {
    const reason = 'r'.repeat(123);
    const ok = conn('server');
    expect(plain(ok.receive(fromPeer('server', { opcode: Opcode.CLOSE, payload: closePayload(1000, reason) })))).toEqual([
      { type: 'close', code: 1000, reason, wasClean: true },
    ]);
    const bad = conn('server');
    const events = bad.receive(fromPeer('server', { opcode: Opcode.CLOSE, payload: closePayload(1000, reason + 'r') }));
    expectFailed(bad, events, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 1002);
  });

  it('after the peer close everything further is ignored, even garbage', () => {
    const c = conn('server');
    const bytes = concat(
      fromPeer('server', { opcode: Opcode.CLOSE, payload: closePayload(1000) }),
      fromPeer('server', { opcode: Opcode.TEXT, payload: 'late' }),
      fromPeer('server', { opcode: Opcode.PING }),
    );
    expect(plain(c.receive(bytes))).toEqual([{ type: 'close', code: 1000, reason: '', wasClean: true }]);
    c.takeOutgoing();
    expect(c.receive(fromPeer('server', { opcode: Opcode.TEXT, payload: 'later' }))).toEqual([]);
    expect(c.receive(hex('ff ff ff ff'))).toEqual([]);
    expect(c.receiveEof()).toEqual([]);
    expect(c.takeOutgoing()).toEqual([]);
    expect(c.state).toBe('closed');
  });

  it('a close in the middle of a fragmented message ends the connection cleanly', () => {
    const c = conn('client');
    const events = c.receive(concat(hex('01 01 61'), hex('88 02 03 e8'), hex('80 01 62')));
    expect(plain(events)).toEqual([{ type: 'close', code: 1000, reason: '', wasClean: true }]);
  });
});

describe('Connection: close handshake we start', () => {
  it('OPEN → CLOSING after close(); data afterwards is not delivered and pings are not answered', () => {
    const c = conn('server');
    expect(c.state).toBe('open');
    expect(toHex(wire(c.close(1000, 'bye')))).toBe('88 05 03 e8 62 79 65');
    expect(c.state).toBe('closing');
    expect(c.shouldCloseTransport).toBe(false);
    const events = c.receive(
      concat(fromPeer('server', { opcode: Opcode.TEXT, payload: 'late' }), fromPeer('server', { opcode: Opcode.PING, payload: 'p' })),
    );
    expect(events.filter((e) => e.type === 'message')).toEqual([]);
    expect(c.takeOutgoing()).toEqual([]);
    expect(c.state).toBe('closing');
  });

  it.each(['server', 'client'] as const)('%s with deliverWhileClosing: data after close() is delivered until the peer close', (role) => {
    const c = new Connection({ role, deliverWhileClosing: true });
    c.close(1000);
    const events = c.receive(
      concat(
        fromPeer(role, { opcode: Opcode.TEXT, payload: 'late' }),
        fromPeer(role, { opcode: Opcode.BINARY, payload: 'later' }),
        fromPeer(role, { opcode: Opcode.CLOSE, payload: closePayload(1000) }),
        fromPeer(role, { opcode: Opcode.TEXT, payload: 'after the close' }),
      ),
    );
    expect(plain(events).map((e) => (e.type === 'message' ? `${e.type} ${Buffer.from(e.data as Uint8Array).toString()}` : e.type))).toEqual([
      'message late',
      'message later',
      'close',
    ]);
    expect(c.state).toBe('closed');
  });

  it.each(['server', 'client'] as const)('%s: CLOSING → CLOSED when the peer close arrives, with no second close frame', (role) => {
    const c = conn(role);
    c.close(1001);
    const events = c.receive(fromPeer(role, { opcode: Opcode.CLOSE, payload: closePayload(1000, 'ok') }));
    expect(plain(events)).toEqual([{ type: 'close', code: 1000, reason: 'ok', wasClean: true }]);
    expect(c.state).toBe('closed');
    expect(c.takeOutgoing()).toEqual([]);
    expect(c.shouldCloseTransport).toBe(role === 'server');
  });

  it('client frames its close masked', () => {
    const [f] = decodeFrames(wire(conn('client').close(4000, 'x')));
    expect(f.opcode).toBe(Opcode.CLOSE);
    expect(f.key).toBeDefined();
    expect(toHex(f.payload)).toBe('0f a0 78');
  });

  it('close() without a code sends an empty close', () => {
    expect(toHex(wire(conn('server').close()))).toBe('88 00');
  });

  it('close() validates its arguments', () => {
    expect(() => conn('server').close(1005)).toThrow(RangeError);
    expect(() => conn('server').close(999)).toThrow(RangeError);
    expect(() => conn('server').close(1000, 'é'.repeat(62))).toThrow(RangeError);
    expect(() => conn('server').close(undefined, 'reason')).toThrow(TypeError);
    expect(toHex(wire(conn('server').close(1000, 'é'.repeat(61) + 'x'))).slice(0, 11)).toBe('88 7d 03 e8');
  });

  it('every send after close() throws a catchable Error and queues nothing', () => {
    const c = conn('client');
    c.close(1000);
    for (const send of [() => c.sendText('x'), () => c.sendBinary(new Uint8Array(1)), () => c.ping(), () => c.pong(), () => c.close(1000)]) {
      let caught: unknown;
      try {
        send();
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(Error);
      expect(caught).not.toBeInstanceOf(ProtocolError);
    }
    expect(c.takeOutgoing()).toEqual([]);
  });

  it('sends throw after the peer closed first, and after a protocol error', () => {
    const a = conn('server');
    a.receive(fromPeer('server', { opcode: Opcode.CLOSE }));
    expect(() => a.sendText('x')).toThrow(Error);
    expect(() => a.close()).toThrow(Error);
    const b = conn('server');
    b.receive(hex('83 80 00 00 00 00'));
    expect(() => b.sendBinary(new Uint8Array(1))).toThrow(Error);
  });
});

describe('Connection: end of transport', () => {
  it('receiveEof mid-message reports close 1006, not clean, and sends nothing', () => {
    const c = conn('client');
    c.receive(hex('01 03 48 65 6c'));
    expect(plain(c.receiveEof())).toEqual([{ type: 'close', code: 1006, reason: '', wasClean: false }]);
    expect(c.state).toBe('closed');
    expect(c.closeCode).toBe(1006);
    expect(c.takeOutgoing()).toEqual([]);
    expect(c.receive(hex('80 02 6c 6f'))).toEqual([]);
  });

  it('receiveEof while CLOSING is abnormal too', () => {
    const c = conn('client');
    c.close(1000);
    expect(plain(c.receiveEof())).toEqual([{ type: 'close', code: 1006, reason: '', wasClean: false }]);
  });

  it('receiveEof after a clean close reports nothing more', () => {
    const c = conn('client');
    c.receive(hex('88 00'));
    expect(c.receiveEof()).toEqual([]);
    expect(c.closeCode).toBe(1005);
  });

  it('receiveEof twice reports once', () => {
    const c = conn('server');
    expect(c.receiveEof()).toHaveLength(1);
    expect(c.receiveEof()).toEqual([]);
  });
});

describe('Connection: protocol errors', () => {
  it.each(['server', 'client'] as const)('%s: one error, one close, a close frame queued, input ignored afterwards', (role) => {
    const c = conn(role);
    const events = c.receive(concat(fromPeer(role, { opcode: 0x3 }), fromPeer(role, { opcode: Opcode.TEXT, payload: 'after' })));
    expectFailed(c, events, 'WS_ERR_INVALID_OPCODE', 1002);
    expect(c.receive(fromPeer(role, { opcode: Opcode.TEXT, payload: 'later' }))).toEqual([]);
    expect(c.receiveEof()).toEqual([]);
  });

  it('an error after our close() queues no second close frame', () => {
    const c = conn('server');
    c.close(1000);
    const events = c.receive(fromPeer('server', { opcode: 0xb }));
    expect(plain(events)).toEqual([
      { type: 'error', code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002 },
      { type: 'close', code: 1002, reason: expect.any(String) as string, wasClean: false },
    ]);
    expect(c.takeOutgoing()).toEqual([]);
  });

  it('RSV1 without a negotiated extension fails with 1002', () => {
    const c = conn('client');
    expectFailed(c, c.receive(hex('c1 05 48 65 6c 6c 6f')), 'WS_ERR_UNEXPECTED_RSV_1', 1002);
  });

  it('a continuation without a message and a new message inside one fail with 1002', () => {
    const a = conn('client');
    expectFailed(a, a.receive(hex('80 02 6c 6f')), 'WS_ERR_UNEXPECTED_CONTINUATION', 1002);
    const b = conn('client');
    expectFailed(b, b.receive(hex('01 01 61 82 01 62')), 'WS_ERR_EXPECTED_CONTINUATION', 1002);
  });
});

describe('Connection: sending', () => {
  it('server frames are unmasked: sendText("Hello") is 81 05 48 65 6c 6c 6f', () => {
    const s = conn('server');
    expect(toHex(wire(s.sendText('Hello')))).toBe('81 05 48 65 6c 6c 6f');
    expect(toHex(wire(s.sendBinary(utf8('Hello'))))).toBe('82 05 48 65 6c 6c 6f');
  });

  it('client frames are masked with a fresh key per frame and unmask to the payload', () => {
    const c = conn('client');
    const a = wire(c.sendText('Hello'));
    const b = wire(c.sendText('Hello'));
    expect(toHex(a)).not.toBe(toHex(b));
    for (const bytes of [a, b]) {
      const [f] = decodeFrames(bytes);
      expect(f.key).toBeDefined();
      expect(Buffer.from(f.payload).toString()).toBe('Hello');
    }
  });

  it('client sendBinary leaves the caller buffer untouched', () => {
    for (const size of [10, 100, 70_000]) {
      const payload = new Uint8Array(size).map((_, i) => i);
      const before = payload.slice();
      const [f] = decodeFrames(wire(conn('client').sendBinary(payload)));
      expect(payload).toEqual(before);
      expect(f.payload).toEqual(before);
    }
  });

  it.each([125, 126, 65535, 65536])('a %i-byte message crosses the wire in both directions', (size) => {
    const payload = new Uint8Array(size).map((_, i) => i * 11);
    for (const role of ['server', 'client'] as const) {
      const bytes = wire(conn(role).sendBinary(payload));
      expect(decodeFrames(bytes)[0].extendedLengthBytes).toBe(size < 126 ? 0 : size < 65536 ? 2 : 8);
      expect(plain(feed(conn(peerOf(role)), bytes))).toEqual([{ type: 'message', binary: true, data: Buffer.from(payload) }]);
    }
  });

  it('fragmentSize splits a message into TEXT/BINARY then CONTINUATION frames', () => {
    const s = conn('server');
    expect(toHex(wire(s.sendBinary(utf8('abcdefghij'), { fragmentSize: 4 })))).toBe('02 04 61 62 63 64 00 04 65 66 67 68 80 02 69 6a');
    expect(toHex(wire(s.sendText('abcdef', { fragmentSize: 3 })))).toBe('01 03 61 62 63 80 03 64 65 66');
    expect(toHex(wire(s.sendText('ab', { fragmentSize: 3 })))).toBe('81 02 61 62');
    const c = conn('client');
    const frames = decodeFrames(wire(c.sendBinary(new Uint8Array(10).fill(1), { fragmentSize: 3 })));
    expect(frames.map((f) => [f.opcode, f.fin, f.length, f.key !== undefined])).toEqual([
      [Opcode.BINARY, false, 3, true],
      [Opcode.CONTINUATION, false, 3, true],
      [Opcode.CONTINUATION, false, 3, true],
      [Opcode.CONTINUATION, true, 1, true],
    ]);
  });

  it('fin: false streams one message over several sends', () => {
    const s = conn('server');
    const bytes = wire([...s.sendText('He', { fin: false }), ...s.sendText('l', { fin: false }), ...s.sendText('lo')]);
    expect(toHex(bytes)).toBe('01 02 48 65 00 01 6c 80 02 6c 6f');
    expect(messages(conn('client').receive(bytes))).toEqual([{ binary: false, text: 'Hello' }]);
    const b = wire([...s.sendBinary(utf8('a'), { fin: false }), ...s.sendBinary(utf8('b'), { fin: false, fragmentSize: 1 }), ...s.sendBinary(utf8('cd'), { fragmentSize: 1 })]);
    expect(toHex(b)).toBe('02 01 61 00 01 62 00 01 63 80 01 64');
  });

  it('a streamed message of one type cannot be continued with the other', () => {
    const s = conn('server');
    s.sendText('a', { fin: false });
    expect(() => s.sendBinary(utf8('b'))).toThrow(Error);
    // The open text message can still be finished.
    expect(toHex(wire(s.sendText('b')))).toBe('80 01 62');
  });

  it('control frames may be sent between the frames of a streamed message', () => {
    const s = conn('server');
    const bytes = wire([...s.sendText('a', { fin: false }), ...s.ping(utf8('p')), ...s.sendText('b')]);
    expect(plain(conn('client').receive(bytes))).toEqual([
      { type: 'ping', data: Buffer.from('p') },
      { type: 'message', binary: false, data: Buffer.from('ab') },
    ]);
  });

  it('an invalid fragmentSize throws RangeError and leaves no half-open message behind', () => {
    const s = conn('server');
    for (const fragmentSize of [0, -1, Number.NaN]) {
      expect(() => s.sendBinary(utf8('abc'), { fragmentSize, fin: false })).toThrow(RangeError);
      expect(() => s.sendText('abc', { fragmentSize, fin: false })).toThrow(RangeError);
    }
    // The next message starts fresh: a BINARY frame, not a CONTINUATION.
    expect(toHex(wire(s.sendBinary(utf8('x'))))).toBe('82 01 78');
    expect(toHex(wire(s.sendText('x')))).toBe('81 01 78');
  });
});

describe('Connection: options shared between connections', () => {
  it('connections created with different options, in any order, keep their own limits and roles', () => {
    const small = conn('server', { maxPayloadLength: 10 });
    const large = conn('server', { maxPayloadLength: 100 });
    const smallAgain = conn('server', { maxPayloadLength: 10 });
    const client = conn('client', { maxPayloadLength: 10 });
    const skipping = conn('server', { maxPayloadLength: 100, skipUtf8Validation: true });
    const eleven = new Uint8Array(11).fill(0x61);
    for (const c of [small, smallAgain]) {
      expectFailed(c, c.receive(fromPeer('server', { opcode: Opcode.BINARY, payload: eleven })), 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', 1009);
    }
    expect(plain(large.receive(fromPeer('server', { opcode: Opcode.BINARY, payload: eleven })))).toEqual([
      { type: 'message', data: Buffer.from(eleven), binary: true },
    ]);
    expect(client.role).toBe('client');
    expect(large.role).toBe('server');
    // Invalid UTF-8 fails where it is validated, and passes where validation was turned off.
    const invalid = new Uint8Array([0xff, 0xfe]);
    expectFailed(large, large.receive(fromPeer('server', { opcode: Opcode.TEXT, payload: invalid })), 'WS_ERR_INVALID_UTF8', 1007);
    expect(plain(skipping.receive(fromPeer('server', { opcode: Opcode.TEXT, payload: invalid })))).toHaveLength(1);
  });
});

describe('Connection: before anything was received', () => {
  it.each(['server', 'client'] as const)('%s sends, closes and reports EOF before its first receive()', (role) => {
    const c = conn(role);
    expect(decodeFrames(wire(c.sendText('hi')))).toHaveLength(1);
    expect(c.close(1000, 'bye')).not.toHaveLength(0);
    expect(c.state).toBe('closing');
    expect(plain(c.receiveEof())).toEqual([{ type: 'close', code: 1006, reason: '', wasClean: false }]);
    expect(c.state).toBe('closed');
    // Input after the end is ignored, without a parser ever being needed.
    expect(c.receive(fromPeer(role, { opcode: Opcode.TEXT, payload: utf8('late') }))).toEqual([]);
  });
});
