/** The v3 wire format (Socket.IO 2 clients), byte for byte, and its malformed inputs. */
import { describe, expect, it } from 'vitest';
import { codecV3, codecV4 } from '../../src/engine/packet-codec.js';

describe('engine.io protocol v3 codec', () => {
  it('encodes text payloads with UTF-16 length prefixes and binary as b<type><base64> without binary support', () => {
    expect(codecV3.encodePayload([{ type: 'message', data: 'héllo' }, { type: 'ping' }], false)).toBe('6:4héllo1:2');
    expect(codecV3.encodePayload([{ type: 'message', data: new Int8Array([1, 2]) }], false)).toBe('6:b4AQI=');
    expect(codecV3.encodePayload([], false)).toBe('0:');
  });

  it('encodes a binary payload with per-packet size headers when the client supports binary', () => {
    const out = codecV3.encodePayload([{ type: 'message', data: 'ab' }, { type: 'message', data: Buffer.from([9]) }], true) as Buffer;
    expect([...out]).toEqual([0, 3, 255, 0x34, 0x61, 0x62, 1, 2, 255, 4, 9]);
    expect(codecV3.decodePayload(out)).toEqual([
      { type: 'message', data: 'ab' },
      { type: 'message', data: Buffer.from([9]) },
    ]);
  });

  it('decodes text payloads and refuses malformed ones as a parser error', () => {
    expect(codecV3.decodePayload('6:4héllo1:2')).toEqual([{ type: 'message', data: 'héllo' }, { type: 'ping' }]);
    expect(codecV3.decodePayload('6:b4AQI=')).toEqual([{ type: 'message', data: Buffer.from([1, 2]) }]);
    for (const bad of ['5:4hi', 'x:4', '2:9z', ':4']) expect(codecV3.decodePayload(bad)).toEqual([{ type: 'error', data: 'parser error' }]);
  });

  it('frames websocket packets: binary with a leading type byte', () => {
    expect(codecV3.encodePacket({ type: 'message', data: Buffer.from([7]) }, true)).toEqual(Buffer.from([4, 7]));
    expect(codecV3.decodePacket(Buffer.from([4, 7]))).toEqual({ type: 'message', data: Buffer.from([7]) });
    expect(codecV3.decodePacket('2probe')).toEqual({ type: 'ping', data: 'probe' });
  });
});

describe('engine.io protocol v4 codec', () => {
  it('joins packets with the record separator and sends binary as base64 in payloads', () => {
    expect(codecV4.encodePayload([{ type: 'message', data: 'a' }, { type: 'message', data: Buffer.from([1, 2, 3]) }], true)).toBe('4a\x1ebAQID');
    expect(codecV4.encodePacket({ type: 'message', data: Buffer.from([5]) }, true)).toEqual(Buffer.from([5]));
  });
});
