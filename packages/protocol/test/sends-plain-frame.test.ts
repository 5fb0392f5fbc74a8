/**
 * `Connection.sendsPlainFrame`: whether a whole message sent now would be one final, unmasked,
 * uncompressed frame with nothing before it (a frame made once for many connections may then be
 * written instead). It must agree with what `sendBinary` really frames.
 */
import { describe, expect, it } from 'vitest';
import { Connection } from '../src/connection.js';
import { deflateParams } from './support/connection-harness.js';

const server = (deflate = false, compressThreshold?: number) =>
  new Connection({ role: 'server', deflate: deflate ? deflateParams() : undefined, compressThreshold });

/** The first byte of what `sendBinary` frames: 0x82 is final, uncompressed, binary. */
const firstByte = (c: Connection, length: number, compress?: boolean) => c.sendBinary(new Uint8Array(length).fill(97), { compress })[0][0];

describe('Connection.sendsPlainFrame', () => {
  it('is true without permessage-deflate, false for a client (its frames are masked)', () => {
    expect(server().sendsPlainFrame(10)).toBe(true);
    expect(server().sendsPlainFrame(1 << 20)).toBe(true);
    expect(new Connection({ role: 'client' }).sendsPlainFrame(10)).toBe(false);
  });

  it('with permessage-deflate: true below the threshold or with compress: false, as sendBinary frames it', () => {
    const c = server(true, 100);
    for (const [length, compress, plain] of [
      [99, undefined, true],
      [100, undefined, false],
      [5000, false, true],
      [5000, true, false],
      [10, true, false],
    ] as const) {
      expect(c.sendsPlainFrame(length, compress)).toBe(plain);
      expect(firstByte(c, length, compress)).toBe(plain ? 0x82 : 0xc2);
    }
  });

  it('is false while a fragmented send is open and after a close frame was sent', () => {
    const c = server();
    c.sendBinary(new Uint8Array(3), { fin: false });
    expect(c.sendsPlainFrame(3)).toBe(false);
    c.sendBinary(new Uint8Array(3));
    expect(c.sendsPlainFrame(3)).toBe(true);
    c.close(1000);
    expect(c.sendsPlainFrame(3)).toBe(false);
  });
});
