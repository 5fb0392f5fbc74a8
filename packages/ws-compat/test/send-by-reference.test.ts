/**
 * One Buffer sent to many slow readers is held by reference, as ws holds it (the user must not
 * change a buffer given to `send` until its callback; ws documents the same), not copied once
 * per connection; and every reader still gets it byte for byte.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket, WebSocketServer } from '../src/index.js';
import { kinds, listen, shutdown, waitFor } from './support/helpers.js';

const READERS = 200;
const SIZE = 8 * 1024 * 1024;
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** A client that completes the handshake, then reads nothing until `drain()`. */
interface SlowReader {
  socket: net.Socket;
  /** Reads everything the server sent until it closed; the hash of the first frame's payload and its length. */
  drain(): Promise<{ length: number; sha1: string }>;
}

async function slowReader(port: number): Promise<SlowReader> {
  const socket = net.connect(port, '127.0.0.1');
  socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  let pending = Buffer.alloc(0);
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      pending = Buffer.concat([pending, chunk]);
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      const status = pending.subarray(0, 12).toString('latin1');
      pending = pending.subarray(end + 4);
      if (status !== 'HTTP/1.1 101') reject(new Error(`no 101: ${status}`));
      else resolve();
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
  return {
    socket,
    async drain() {
      // Frame header of one unmasked binary frame with a 64-bit length, then the payload.
      const hash = createHash('sha1');
      let header: Buffer | undefined;
      let length = 0;
      let seen = 0;
      const take = (chunk: Buffer): void => {
        if (header === undefined) {
          pending = Buffer.concat([pending, chunk]);
          if (pending.length < 10) return;
          header = pending.subarray(0, 10);
          expect(header[0]).toBe(0x82);
          expect(header[1]).toBe(127);
          length = Number(header.readBigUInt64BE(2));
          chunk = pending.subarray(10);
        }
        const part = chunk.subarray(0, Math.max(0, length - seen));
        hash.update(part);
        seen += part.length;
        if (seen === length) socket.end();
      };
      if (pending.length > 0) {
        const first = pending;
        pending = Buffer.alloc(0);
        take(first);
      }
      socket.on('data', take);
      socket.resume();
      await once(socket, 'close');
      return { length: seen, sha1: hash.digest('hex') };
    },
  };
}

describe.each(kinds)(`one Buffer sent to ${READERS} slow readers on %s`, (transport) => {
  let server: WebSocketServer | undefined;
  afterEach(async () => {
    if (server !== undefined) await shutdown(server);
    server = undefined;
  });

  it('is held by reference (memory growth far below one copy per reader) and arrives byte-exact everywhere', async () => {
    const { wss, port } = await listen({ transport });
    server = wss;
    const sockets: WebSocket[] = [];
    wss.on('connection', (ws) => sockets.push(ws));
    const readers: SlowReader[] = [];
    for (let i = 0; i < READERS; i++) readers.push(await slowReader(port));
    await waitFor(() => sockets.length === READERS, 10_000, 'connections');

    const payload = Buffer.alloc(SIZE);
    for (let i = 0; i < SIZE; i += 4) payload.writeUInt32LE((i * 2654435761) >>> 0, i);
    const expected = createHash('sha1').update(payload).digest('hex');
    global.gc?.();
    const before = process.memoryUsage();
    let called = 0;
    for (const ws of sockets) ws.send(payload, { binary: true }, () => called++);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = process.memoryUsage();
    const grew = after.rss - before.rss;
    // One copy per reader would be ~READERS × SIZE minus what the kernel buffers took (ws-compat
    // once took ~860 MB here); by reference it is what the transport holds per socket, a
    // fraction of SIZE each.
    expect(grew, `rss grew by ${(grew / 1048576).toFixed(0)} MiB`).toBeLessThan((READERS * SIZE) / 8);
    expect(sockets.some((ws) => ws.bufferedAmount > 0)).toBe(true);
    expect(called).toBeLessThan(READERS);

    const results = await Promise.all(readers.map((r) => r.drain()));
    for (const r of results) expect(r).toEqual({ length: SIZE, sha1: expected });
    await waitFor(() => called === READERS, 10_000, 'send callbacks');
  }, 120_000);
});
