import { describe, expect, it } from 'vitest';
import { Connection } from '../src/connection.js';
import { Opcode } from '../src/opcodes.js';
import { decodeFrames, frame, hex, utf8 } from './support/frames.js';

// A server answering pings itself (autoPong off, pongs from onPing, as the App and ws-compat
// do): the ping's payload is a view of memory the parser reuses, and the pong may be written
// after the next receive (a write queued on node:net). Autobahn 2.11 sends ten pings one
// byte at a time: each is gathered in the parser's control buffer, the next overwrites it.
describe('control frames own their payload', () => {
  it('a pong framed from a ping view survives the next ping gathered in the same buffer', () => {
    const pongs: Uint8Array[][] = [];
    const conn: Connection = new Connection({
      role: 'server',
      autoPong: false,
      handler: { onMessage: () => {}, onPing: (data) => void pongs.push(conn.pong(data)) },
    });
    for (let i = 0; i < 3; i++) {
      const ping = frame({ opcode: Opcode.PING, payload: utf8(`payload-${i}`), mask: hex('01 02 03 04') });
      for (let b = 0; b < ping.length; b++) conn.receive(ping.slice(b, b + 1)); // one byte per read
    }
    const payloads = pongs.map((f) => Buffer.from(decodeFrames(Buffer.concat(f))[0].payload).toString());
    expect(payloads).toEqual(['payload-0', 'payload-1', 'payload-2']);
  });

  it('ping and pong frames do not change when the caller reuses its payload buffer', () => {
    for (const role of ['server', 'client'] as const) {
      const conn = new Connection({ role });
      const data = utf8('abc');
      const ping = conn.ping(data);
      const pong = conn.pong(data);
      data.fill(0x7a);
      expect(Buffer.from(decodeFrames(Buffer.concat(ping))[0].payload).toString()).toBe('abc');
      expect(Buffer.from(decodeFrames(Buffer.concat(pong))[0].payload).toString()).toBe('abc');
    }
  });
});
