import { describe, expect, it } from 'vitest';
import type { Role } from '../src/role.js';
import type { ProtocolError, ProtocolErrorCode } from '../src/errors.js';
import { FrameParser, type FrameParserOptions, type FrameSink } from '../src/frame-parser.js';
import { Opcode } from '../src/opcodes.js';
import { concat, copyOf, frame, hex, toHex } from './support/frames.js';

interface SeenFrame {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  payload: string;
}

/** Records what the parser reports, joining streamed frames back together. */
class RecordingSink implements FrameSink {
  readonly frames: SeenFrame[] = [];
  readonly errors: ProtocolError[] = [];
  /** `whole` or `streamed:<length>` per frame, in order. */
  readonly deliveries: string[] = [];
  private current: { fin: boolean; rsv1: boolean; opcode: number; length: number; parts: Uint8Array[] } | undefined;

  onFrame(fin: boolean, rsv1: boolean, opcode: number, bytes: Uint8Array, start: number, end: number): void {
    this.frames.push({ fin, rsv1, opcode, payload: toHex(copyOf(bytes, start, end)) });
    this.deliveries.push('whole');
  }

  onFrameStart(fin: boolean, rsv1: boolean, opcode: number, length: number): void {
    expect(this.current).toBeUndefined();
    this.current = { fin, rsv1, opcode, length, parts: [] };
    this.deliveries.push(`streamed:${length}`);
  }

  onFrameData(bytes: Uint8Array, start: number, end: number): void {
    expect(this.current).toBeDefined();
    expect(end).toBeGreaterThan(start);
    this.current!.parts.push(copyOf(bytes, start, end));
  }

  onFrameEnd(): void {
    const c = this.current!;
    const payload = concat(...c.parts);
    expect(payload.length).toBe(c.length);
    this.frames.push({ fin: c.fin, rsv1: c.rsv1, opcode: c.opcode, payload: toHex(payload) });
    this.current = undefined;
  }

  onError(error: ProtocolError): void {
    this.errors.push(error);
  }

  /** True while a streamed frame is announced but not finished. */
  get midFrame(): boolean {
    return this.current !== undefined;
  }
}

/** Parses a copy of `bytes` (cut at `cuts`) with a fresh parser. */
function parse(role: Role, bytes: Uint8Array, options: Partial<FrameParserOptions> = {}, cuts: number[] = []) {
  const sink = new RecordingSink();
  const parser = new FrameParser(sink, { role, ...options });
  let from = 0;
  for (const c of [...cuts, bytes.length]) {
    parser.push(copyOf(bytes, from, c));
    from = c;
  }
  return { sink, parser };
}

function parseBytewise(role: Role, bytes: Uint8Array, options: Partial<FrameParserOptions> = {}) {
  return parse(role, bytes, options, Array.from({ length: bytes.length }, (_, i) => i));
}

const HELLO = toHex(Buffer.from('Hello'));

function expectOneError(sink: RecordingSink, code: ProtocolErrorCode, closeCode: number): void {
  expect(sink.errors.map((e) => e.code)).toEqual([code]);
  expect(sink.errors[0].closeCode).toBe(closeCode);
  expect(sink.errors[0].name).toBe('ProtocolError');
}

describe('FrameParser: RFC 6455 §5.7 examples', () => {
  it('client parses the unmasked "Hello" text frame 81 05 48 65 6c 6c 6f', () => {
    const { sink } = parse('client', hex('81 05 48 65 6c 6c 6f'));
    expect(sink.frames).toEqual([{ fin: true, rsv1: false, opcode: Opcode.TEXT, payload: HELLO }]);
    expect(sink.errors).toEqual([]);
  });

  it('server parses the masked "Hello" text frame 81 85 37 fa 21 3d 7f 9f 4d 51 58', () => {
    const { sink } = parse('server', hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(sink.frames).toEqual([{ fin: true, rsv1: false, opcode: Opcode.TEXT, payload: HELLO }]);
    expect(sink.errors).toEqual([]);
  });

  it('unmasks the payload in place in the caller buffer', () => {
    const input = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    new FrameParser(new RecordingSink(), { role: 'server' }).push(input);
    expect(Buffer.from(input.subarray(6)).toString()).toBe('Hello');
  });

  it('server rejects the unmasked example (a client must mask): 1002', () => {
    const { sink } = parse('server', hex('81 05 48 65 6c 6c 6f'));
    expectOneError(sink, 'WS_ERR_EXPECTED_MASK', 1002);
    expect(sink.frames).toEqual([]);
  });

  it('client rejects the masked example (a server must not mask): 1002', () => {
    const { sink } = parse('client', hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expectOneError(sink, 'WS_ERR_UNEXPECTED_MASK', 1002);
    expect(sink.frames).toEqual([]);
  });

  it('parses the fragmented "Hel" + "lo" (01 03 48 65 6c, 80 02 6c 6f)', () => {
    const { sink } = parse('client', hex('01 03 48 65 6c 80 02 6c 6f'));
    expect(sink.frames).toEqual([
      { fin: false, rsv1: false, opcode: Opcode.TEXT, payload: '48 65 6c' },
      { fin: true, rsv1: false, opcode: Opcode.CONTINUATION, payload: '6c 6f' },
    ]);
  });

  it('parses the unmasked ping 89 05 "Hello" (client) and the masked pong 8a 85 ... (server)', () => {
    expect(parse('client', hex('89 05 48 65 6c 6c 6f')).sink.frames).toEqual([
      { fin: true, rsv1: false, opcode: Opcode.PING, payload: HELLO },
    ]);
    expect(parse('server', hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58')).sink.frames).toEqual([
      { fin: true, rsv1: false, opcode: Opcode.PONG, payload: HELLO },
    ]);
  });

  it('parses a 256-byte binary frame with a 16-bit length (82 7E 01 00)', () => {
    const payload = new Uint8Array(256).map((_, i) => i);
    const { sink } = parse('client', concat(hex('82 7e 01 00'), payload));
    expect(sink.frames).toEqual([{ fin: true, rsv1: false, opcode: Opcode.BINARY, payload: toHex(payload) }]);
  });

  it('parses a 64 KiB binary frame with a 64-bit length (82 7F 00 00 00 00 00 01 00 00)', () => {
    const payload = new Uint8Array(65536).map((_, i) => i * 31);
    const { sink } = parse('client', concat(hex('82 7f 00 00 00 00 00 01 00 00'), payload));
    expect(sink.frames).toHaveLength(1);
    expect(sink.frames[0].payload).toBe(toHex(payload));
    expect(sink.frames[0].opcode).toBe(Opcode.BINARY);
  });

  it('server parses the 256-byte and 64 KiB examples when masked', () => {
    for (const size of [256, 65536]) {
      const payload = new Uint8Array(size).map((_, i) => i ^ 0x5a);
      const { sink } = parse('server', frame({ opcode: Opcode.BINARY, payload, mask: true }));
      expect(sink.errors).toEqual([]);
      expect(sink.frames.map((f) => f.payload)).toEqual([toHex(payload)]);
    }
  });
});

describe('FrameParser: chunking', () => {
  const stream = concat(
    hex('81 05 48 65 6c 6c 6f'),
    hex('01 03 48 65 6c'),
    hex('89 05 48 65 6c 6c 6f'),
    hex('80 02 6c 6f'),
    hex('82 00'),
    concat(hex('82 7e 01 00'), new Uint8Array(256).fill(7)),
    hex('8a 00'),
  );
  const maskedStream = concat(
    hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'),
    frame({ opcode: Opcode.TEXT, fin: false, payload: 'Hel', mask: hex('01 02 03 04') }),
    hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'),
    frame({ opcode: Opcode.CONTINUATION, payload: 'lo', mask: hex('ff 00 ff 00') }),
    frame({ opcode: Opcode.BINARY, payload: new Uint8Array(300).fill(9), mask: hex('9a 8b 7c 6d'), lengthBits: 64 }),
  );

  it.each([
    ['client', stream],
    ['server', maskedStream],
  ] as const)('%s: every 2-way split and 1-byte chunks give the frames of one chunk', (role, bytes) => {
    const whole = parse(role, bytes).sink;
    expect(whole.errors).toEqual([]);
    expect(whole.frames.length).toBeGreaterThanOrEqual(5);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const split = parse(role, bytes, {}, [cut]).sink;
      expect(split.frames, `cut at ${cut}`).toEqual(whole.frames);
      expect(split.errors).toEqual([]);
    }
    const bytewise = parseBytewise(role, bytes).sink;
    expect(bytewise.frames).toEqual(whole.frames);
  });

  it('delivers a frame that is all in one push whole, and one cut by a push boundary streamed', () => {
    const bytes = frame({ opcode: Opcode.BINARY, payload: 'abcdef' });
    expect(parse('client', bytes).sink.deliveries).toEqual(['whole']);
    expect(parse('client', bytes, {}, [4]).sink.deliveries).toEqual(['streamed:6']);
    // Header complete, no payload yet: the frame is announced with its length.
    expect(parse('client', bytes, {}, [2]).sink.deliveries).toEqual(['streamed:6']);
  });

  it('delivers a control frame cut by push boundaries whole, correctly unmasked', () => {
    const bytes = frame({ opcode: Opcode.PING, payload: 'ping payload', mask: hex('de ad be ef') });
    const { sink } = parseBytewise('server', bytes);
    expect(sink.deliveries).toEqual(['whole']);
    expect(sink.frames[0].payload).toBe(toHex(Buffer.from('ping payload')));
  });

  it('parses many frames from one push', () => {
    const one = hex('81 05 48 65 6c 6c 6f');
    const { sink } = parse('client', concat(...Array.from({ length: 100 }, () => one)));
    expect(sink.frames).toHaveLength(100);
  });

  it('parses zero-length data and control frames', () => {
    const { sink } = parse('server', concat(frame({ opcode: Opcode.TEXT, mask: true }), frame({ opcode: Opcode.PING, mask: true })));
    expect(sink.frames).toEqual([
      { fin: true, rsv1: false, opcode: Opcode.TEXT, payload: '' },
      { fin: true, rsv1: false, opcode: Opcode.PING, payload: '' },
    ]);
  });

  it('decodes 64-bit lengths above 32 bits exactly', () => {
    const header = frame({ opcode: Opcode.BINARY, declaredLength: 2n ** 40n + 3n, mask: true });
    const { sink } = parse('server', header, { maxPayloadLength: Number.MAX_SAFE_INTEGER });
    expect(sink.errors).toEqual([]);
    expect(sink.deliveries).toEqual([`streamed:${2 ** 40 + 3}`]);
  });

  it('accepts a length in a longer encoding than needed', () => {
    const { sink } = parse('client', frame({ opcode: Opcode.TEXT, payload: 'Hello', lengthBits: 64 }));
    expect(sink.frames).toEqual([{ fin: true, rsv1: false, opcode: Opcode.TEXT, payload: HELLO }]);
  });
});

describe('FrameParser: masking rules', () => {
  it.each([Opcode.TEXT, Opcode.BINARY, Opcode.PING, Opcode.PONG, Opcode.CLOSE])('server rejects unmasked opcode %i with 1002', (opcode) => {
    expectOneError(parse('server', frame({ opcode })).sink, 'WS_ERR_EXPECTED_MASK', 1002);
  });

  it.each([Opcode.TEXT, Opcode.BINARY, Opcode.PING, Opcode.PONG, Opcode.CLOSE])('client rejects masked opcode %i with 1002', (opcode) => {
    expectOneError(parse('client', frame({ opcode, mask: true })).sink, 'WS_ERR_UNEXPECTED_MASK', 1002);
  });

  it('rejects an unmasked continuation in the middle of a masked message', () => {
    const bytes = concat(frame({ opcode: Opcode.TEXT, fin: false, payload: 'a', mask: true }), frame({ opcode: Opcode.CONTINUATION, payload: 'b' }));
    const { sink } = parse('server', bytes);
    expect(sink.frames).toHaveLength(1);
    expectOneError(sink, 'WS_ERR_EXPECTED_MASK', 1002);
  });
});

describe('FrameParser: reserved bits', () => {
  it('rejects RSV1 on a data frame when no extension was negotiated', () => {
    expectOneError(parse('client', frame({ opcode: Opcode.TEXT, rsv1: true, payload: 'x' })).sink, 'WS_ERR_UNEXPECTED_RSV_1', 1002);
  });

  it('accepts RSV1 on the first frame of a text or binary message once an extension allows it', () => {
    for (const opcode of [Opcode.TEXT, Opcode.BINARY]) {
      const { sink } = parse('client', frame({ opcode, rsv1: true, payload: 'x' }), { rsv1Allowed: true });
      expect(sink.errors).toEqual([]);
      expect(sink.frames[0].rsv1).toBe(true);
    }
  });

  it('setRsv1Allowed switches the rule after construction', () => {
    const sink = new RecordingSink();
    const parser = new FrameParser(sink, { role: 'client' });
    parser.setRsv1Allowed(true);
    parser.push(frame({ opcode: Opcode.TEXT, rsv1: true, payload: 'x' }));
    parser.setRsv1Allowed(false);
    parser.push(frame({ opcode: Opcode.TEXT, rsv1: true, payload: 'y' }));
    expect(sink.frames).toHaveLength(1);
    expectOneError(sink, 'WS_ERR_UNEXPECTED_RSV_1', 1002);
  });

  it('rejects RSV1 on a continuation frame even with an extension', () => {
    const bytes = concat(
      frame({ opcode: Opcode.TEXT, rsv1: true, fin: false, payload: 'a' }),
      frame({ opcode: Opcode.CONTINUATION, rsv1: true, payload: 'b' }),
    );
    const { sink } = parse('client', bytes, { rsv1Allowed: true });
    expect(sink.frames).toHaveLength(1);
    expectOneError(sink, 'WS_ERR_UNEXPECTED_RSV_1', 1002);
  });

  it.each([Opcode.PING, Opcode.PONG, Opcode.CLOSE])('rejects RSV1 on control opcode %i even with an extension', (opcode) => {
    expectOneError(parse('client', frame({ opcode, rsv1: true }), { rsv1Allowed: true }).sink, 'WS_ERR_UNEXPECTED_RSV_1', 1002);
  });

  it.each([
    ['RSV2', { rsv2: true }],
    ['RSV3', { rsv3: true }],
    ['RSV2+RSV3', { rsv2: true, rsv3: true }],
  ])('rejects %s on data and control frames, even with an extension', (_name, bits) => {
    for (const opcode of [Opcode.TEXT, Opcode.BINARY, Opcode.PING, Opcode.CLOSE]) {
      const { sink } = parse('client', frame({ opcode, ...bits }), { rsv1Allowed: true });
      expectOneError(sink, 'WS_ERR_UNEXPECTED_RSV_2_3', 1002);
      expect(sink.frames).toEqual([]);
    }
  });
});

describe('FrameParser: opcodes and fragmentation', () => {
  it.each([0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf])('rejects reserved opcode 0x%s with 1002', (opcode) => {
    for (const role of ['client', 'server'] as const) {
      const { sink } = parse(role, frame({ opcode, payload: 'x', mask: role === 'server' }));
      expectOneError(sink, 'WS_ERR_INVALID_OPCODE', 1002);
      expect(sink.frames).toEqual([]);
    }
  });

  it('rejects a continuation frame with no message to continue', () => {
    expectOneError(parse('client', hex('80 02 6c 6f')).sink, 'WS_ERR_UNEXPECTED_CONTINUATION', 1002);
    expectOneError(parse('client', hex('00 02 6c 6f')).sink, 'WS_ERR_UNEXPECTED_CONTINUATION', 1002);
  });

  it('rejects a continuation frame after the message was finished', () => {
    const { sink } = parse('client', hex('01 01 61 80 01 62 80 01 63'));
    expect(sink.frames).toHaveLength(2);
    expectOneError(sink, 'WS_ERR_UNEXPECTED_CONTINUATION', 1002);
  });

  it.each([
    ['text', '81 01 62'],
    ['binary', '82 01 62'],
    ['non-final text', '01 01 62'],
  ])('rejects a new %s frame inside a fragmented message', (_name, next) => {
    const { sink } = parse('client', concat(hex('01 01 61'), hex(next)));
    expect(sink.frames).toHaveLength(1);
    expectOneError(sink, 'WS_ERR_EXPECTED_CONTINUATION', 1002);
  });

  it('allows control frames between the fragments of a data message', () => {
    const { sink } = parse('client', hex('01 03 48 65 6c 89 00 8a 01 70 00 00 80 02 6c 6f'));
    expect(sink.errors).toEqual([]);
    expect(sink.frames.map((f) => f.opcode)).toEqual([Opcode.TEXT, Opcode.PING, Opcode.PONG, Opcode.CONTINUATION, Opcode.CONTINUATION]);
  });

  it.each([Opcode.PING, Opcode.PONG, Opcode.CLOSE])('rejects a fragmented control frame (opcode %i, FIN clear)', (opcode) => {
    expectOneError(parse('client', frame({ opcode, fin: false })).sink, 'WS_ERR_EXPECTED_FIN', 1002);
  });

  it('accepts a 125-byte control payload and rejects 126 bytes with 1002', () => {
    const ok = parse('client', frame({ opcode: Opcode.PING, payload: new Uint8Array(125) })).sink;
    expect(ok.errors).toEqual([]);
    expect(ok.frames).toHaveLength(1);
    for (const opcode of [Opcode.PING, Opcode.PONG, Opcode.CLOSE]) {
      const bad = parse('client', frame({ opcode, payload: new Uint8Array(126) })).sink;
      expectOneError(bad, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 1002);
      expect(bad.frames).toEqual([]);
    }
  });

  it('rejects an oversized control frame from its header alone', () => {
    const { sink } = parse('client', frame({ opcode: Opcode.PING, declaredLength: 126 }));
    expectOneError(sink, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 1002);
  });
});

describe('FrameParser: payload length limits', () => {
  it('rejects a 64-bit length with the most significant bit set', () => {
    for (const maxPayloadLength of [undefined, Number.MAX_SAFE_INTEGER]) {
      const { sink } = parse('client', hex('82 7f 80 00 00 00 00 00 00 01'), { maxPayloadLength });
      expect(sink.errors).toHaveLength(1);
      expect(sink.errors[0].code).toBe('WS_ERR_INVALID_PAYLOAD_LENGTH');
      expect(sink.errors[0].closeCode).toBe(1002);
      expect(sink.deliveries).toEqual([]);
    }
  });

  it('fails with 1009 from the header alone when a frame exceeds maxPayloadLength', () => {
    for (const declared of [1025, 70_000, 2 ** 32, 2 ** 52]) {
      const header = frame({ opcode: Opcode.BINARY, declaredLength: declared, mask: true });
      const { sink } = parse('server', header, { maxPayloadLength: 1024 });
      expectOneError(sink, 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', 1009);
      expect(sink.deliveries).toEqual([]);
    }
  });

  it('fails as soon as the header is complete, before any payload, even when it comes byte by byte', () => {
    const header = frame({ opcode: Opcode.BINARY, declaredLength: 5000, mask: true });
    const sink = new RecordingSink();
    const parser = new FrameParser(sink, { role: 'server', maxPayloadLength: 4096 });
    // 2 bytes + 2 length bytes + 4 mask bytes: the header is complete after byte 8.
    for (let i = 0; i < header.length - 1; i++) {
      parser.push(copyOf(header, i, i + 1));
      expect(sink.errors).toEqual([]);
    }
    parser.push(copyOf(header, header.length - 1));
    expectOneError(sink, 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', 1009);
  });

  it('accepts a frame of exactly maxPayloadLength', () => {
    const { sink } = parse('client', frame({ opcode: Opcode.BINARY, payload: new Uint8Array(1024) }), { maxPayloadLength: 1024 });
    expect(sink.errors).toEqual([]);
    expect(sink.frames).toHaveLength(1);
  });

  it('checks the limit per frame: fragments below it pass', () => {
    const bytes = concat(frame({ opcode: Opcode.BINARY, fin: false, payload: new Uint8Array(1000) }), frame({ opcode: Opcode.CONTINUATION, payload: new Uint8Array(1000) }));
    const { sink } = parse('client', bytes, { maxPayloadLength: 1024 });
    expect(sink.errors).toEqual([]);
    expect(sink.frames).toHaveLength(2);
  });
});

describe('FrameParser: after an error or stop()', () => {
  it('reports one error, is failed, and ignores everything pushed afterwards', () => {
    const sink = new RecordingSink();
    const parser = new FrameParser(sink, { role: 'client' });
    parser.push(concat(hex('83 00'), hex('81 05 48 65 6c 6c 6f')));
    expect(parser.failed).toBe(true);
    parser.push(hex('81 05 48 65 6c 6c 6f'));
    parser.push(hex('ff ff ff'));
    expect(sink.frames).toEqual([]);
    expectOneError(sink, 'WS_ERR_INVALID_OPCODE', 1002);
  });

  it('stops mid-frame: stop() drops the rest of a streamed frame', () => {
    const sink = new RecordingSink();
    const parser = new FrameParser(sink, { role: 'client' });
    const bytes = frame({ opcode: Opcode.BINARY, payload: new Uint8Array(10) });
    parser.push(copyOf(bytes, 0, 5));
    expect(sink.midFrame).toBe(true);
    parser.stop();
    expect(parser.failed).toBe(true);
    parser.push(copyOf(bytes, 5));
    parser.push(hex('81 01 61'));
    expect(sink.frames).toEqual([]);
    expect(sink.errors).toEqual([]);
  });

  it('a sink that stops the parser inside onFrame sees no later frame of the same push', () => {
    const frames: number[] = [];
    const sink: FrameSink = {
      onFrame: (_f, _r, opcode) => {
        frames.push(opcode);
        if (opcode === Opcode.CLOSE) parser.stop();
      },
      onFrameStart: () => {},
      onFrameData: () => {},
      onFrameEnd: () => {},
      onError: () => {},
    };
    const parser = new FrameParser(sink, { role: 'client' });
    parser.push(concat(hex('81 01 61'), hex('88 00'), hex('81 01 62')));
    expect(frames).toEqual([Opcode.TEXT, Opcode.CLOSE]);
  });
});
