import { describe, expect, it } from 'vitest';
import { encodeClosePayload, encodeFrame, encodeTextFrame, frameHeaderLength, writeFrameHeader } from '../src/frame-serializer.js';
import { Opcode } from '../src/opcodes.js';
import { concat, decodeFrames, hex, toHex, utf8 } from './support/frames.js';

const wire = (chunks: Uint8Array[]) => toHex(concat(...chunks));

describe('encodeFrame / encodeTextFrame: RFC 6455 §5.7 examples, unmasked (server)', () => {
  it('"Hello" text: 81 05 48 65 6c 6c 6f', () => {
    expect(wire(encodeFrame(Opcode.TEXT, utf8('Hello')))).toBe('81 05 48 65 6c 6c 6f');
    expect(wire(encodeTextFrame('Hello'))).toBe('81 05 48 65 6c 6c 6f');
  });

  it('fragmented "Hel" + "lo": 01 03 48 65 6c, 80 02 6c 6f', () => {
    expect(wire(encodeFrame(Opcode.TEXT, utf8('Hel'), { fin: false }))).toBe('01 03 48 65 6c');
    expect(wire(encodeTextFrame('Hel', { fin: false }))).toBe('01 03 48 65 6c');
    expect(wire(encodeFrame(Opcode.CONTINUATION, utf8('lo')))).toBe('80 02 6c 6f');
  });

  it('ping "Hello": 89 05 48 65 6c 6c 6f; pong: 8a 05 ...', () => {
    expect(wire(encodeFrame(Opcode.PING, utf8('Hello')))).toBe('89 05 48 65 6c 6c 6f');
    expect(wire(encodeFrame(Opcode.PONG, utf8('Hello')))).toBe('8a 05 48 65 6c 6c 6f');
  });

  it('256-byte binary: 82 7E 01 00 + payload', () => {
    const payload = new Uint8Array(256).map((_, i) => i);
    expect(toHex(concat(...encodeFrame(Opcode.BINARY, payload)))).toBe(toHex(concat(hex('82 7e 01 00'), payload)));
  });

  it('64 KiB binary: 82 7F 00 00 00 00 00 01 00 00 + payload, sent without copying the payload', () => {
    const payload = new Uint8Array(65536).map((_, i) => i * 13);
    const chunks = encodeFrame(Opcode.BINARY, payload);
    expect(toHex(chunks[0].subarray(0, 10))).toBe('82 7f 00 00 00 00 00 01 00 00');
    expect(concat(...chunks)).toEqual(concat(hex('82 7f 00 00 00 00 00 01 00 00'), payload));
    expect(chunks).toHaveLength(2);
    expect(chunks[1]).toBe(payload);
  });

  it('sets RSV1 and clears FIN as asked', () => {
    expect(wire(encodeFrame(Opcode.TEXT, hex('f2 48 cd c9 c9 07 00'), { rsv1: true }))).toBe('c1 07 f2 48 cd c9 c9 07 00');
    expect(wire(encodeFrame(Opcode.TEXT, hex('f2 48 cd'), { rsv1: true, fin: false }))).toBe('41 03 f2 48 cd');
  });
});

describe('encodeFrame: length encodings', () => {
  it.each([
    [0, '82 00', 2],
    [125, '82 7d', 2],
    [126, '82 7e 00 7e', 4],
    [65535, '82 7e ff ff', 4],
    [65536, '82 7f 00 00 00 00 00 01 00 00', 10],
    [70000, '82 7f 00 00 00 00 00 01 11 70', 10],
  ])('a %i-byte payload gets header %s', (size, header, headerLength) => {
    const payload = new Uint8Array(size).fill(0x61);
    const bytes = concat(...encodeFrame(Opcode.BINARY, payload));
    expect(toHex(bytes.subarray(0, headerLength))).toBe(header);
    expect(bytes.length).toBe(headerLength + size);
    expect(frameHeaderLength(size, false)).toBe(headerLength);
    expect(frameHeaderLength(size, true)).toBe(headerLength + 4);

    const masked = concat(...encodeFrame(Opcode.BINARY, payload, { mask: true }));
    expect(masked.length).toBe(headerLength + 4 + size);
    const [f] = decodeFrames(masked);
    expect(f.extendedLengthBytes).toBe(headerLength - 2);
    expect(f.length).toBe(size);
    expect(f.payload).toEqual(payload);
  });

  it('writeFrameHeader writes at an offset and returns the offset after the header', () => {
    const dst = new Uint8Array(20).fill(0xee);
    expect(writeFrameHeader(dst, 3, true, false, Opcode.BINARY, 2 ** 32 + 5, false)).toBe(13);
    expect(toHex(dst.subarray(3, 13))).toBe('82 7f 00 00 00 01 00 00 00 05');
    expect(dst[2]).toBe(0xee);
    expect(dst[13]).toBe(0xee);
  });

  it('writeFrameHeader encodes lengths up to 2^53 - 1', () => {
    const dst = new Uint8Array(10);
    writeFrameHeader(dst, 0, false, true, Opcode.TEXT, Number.MAX_SAFE_INTEGER, false);
    expect(toHex(dst)).toBe('41 7f 00 1f ff ff ff ff ff ff');
  });

  it('writeFrameHeader appends a mask key when masked', () => {
    const dst = new Uint8Array(8);
    expect(writeFrameHeader(dst, 0, true, false, Opcode.PING, 2, true)).toBe(6);
    expect(toHex(dst.subarray(0, 2))).toBe('89 82');
  });
});

describe('encodeFrame: masking (client frames)', () => {
  it('masks with a fresh random key per frame; the header key unmasks the payload', () => {
    const payload = utf8('Hello, masked world');
    const a = concat(...encodeFrame(Opcode.TEXT, payload, { mask: true }));
    const b = concat(...encodeFrame(Opcode.TEXT, payload, { mask: true }));
    expect(a[1] & 0x80).toBe(0x80);
    expect(toHex(a)).not.toBe(toHex(b));
    for (const bytes of [a, b]) {
      const [f] = decodeFrames(bytes);
      expect(f.key).toBeDefined();
      expect(f.payload).toEqual(payload);
      // On the wire the payload is not in clear.
      expect(toHex(bytes.subarray(6))).not.toBe(toHex(payload));
    }
    expect(toHex(decodeFrames(a)[0].key!)).not.toBe(toHex(decodeFrames(b)[0].key!));
  });

  it('keys differ across many frames', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 200; i++) keys.add(toHex(decodeFrames(concat(...encodeFrame(Opcode.PING, new Uint8Array(0), { mask: true })))[0].key!));
    expect(keys.size).toBeGreaterThan(195);
  });

  it.each([0, 5, 63, 64, 125, 126, 20_000, 65536])('never modifies the caller payload (%i bytes)', (size) => {
    const payload = new Uint8Array(size).map((_, i) => (i * 7) & 0xff);
    const before = payload.slice();
    const [bytes] = encodeFrame(Opcode.BINARY, payload, { mask: true });
    expect(payload).toEqual(before);
    expect(decodeFrames(bytes)[0].payload).toEqual(before);
  });

  it('masks text frames built straight from a string, counting UTF-8 bytes', () => {
    const text = 'héllo € 😀'.repeat(20);
    const [bytes] = encodeTextFrame(text, { mask: true });
    const [f] = decodeFrames(bytes);
    expect(f.opcode).toBe(Opcode.TEXT);
    expect(f.length).toBe(Buffer.byteLength(text));
    expect(Buffer.from(f.payload).toString()).toBe(text);
  });

  it('unmasked encodeTextFrame of multi-byte text uses the byte length', () => {
    expect(wire(encodeTextFrame('é€'))).toBe('81 05 c3 a9 e2 82 ac');
  });
});

describe('encodeClosePayload', () => {
  it('is empty without a code', () => {
    expect(encodeClosePayload(undefined)).toHaveLength(0);
  });

  it('is the big-endian code followed by the UTF-8 reason', () => {
    expect(toHex(encodeClosePayload(1000))).toBe('03 e8');
    expect(toHex(encodeClosePayload(4999, 'bye é'))).toBe('13 87 62 79 65 20 c3 a9');
  });
});
