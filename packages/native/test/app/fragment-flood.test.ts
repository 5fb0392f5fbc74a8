/**
 * A message sent as a flood of one-byte fragments costs the App about its bytes: eight
 * connections each holding a 131 071-fragment message open (the default limit is 131 072
 * frames) grow the process by far less than one Buffer per fragment would (~20 MB each), and
 * one frame past the limit closes with 1009.
 */
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Listening, listen, waitFor } from '../support/app-harness.js';
import { rawConnect, upgradeRequest } from '../support/raw-socket.js';
import { underAddressSanitizer } from '../support/sanitizers.js';
import { transportKinds } from '../support/transports.js';

const MiB = 1024 * 1024;
const LIMIT = 131_072;

/** `count` masked one-byte frames of one binary message (zero key); `fin` on the last. */
function oneByteFrames(count: number, first: boolean, fin: boolean): Buffer {
  const out = Buffer.alloc(count * 7);
  for (let i = 0; i < count; i++) {
    const o = i * 7;
    out[o] = (fin && i === count - 1 ? 0x80 : 0) | (first && i === 0 ? 0x2 : 0x0);
    out[o + 1] = 0x81;
    out[o + 6] = 0x42;
  }
  return out;
}

async function upgraded(port: number): Promise<net.Socket> {
  const socket = await rawConnect(port);
  socket.write(upgradeRequest());
  socket.on('error', () => {});
  return socket;
}

async function write(socket: net.Socket, bytes: Buffer): Promise<void> {
  if (!socket.write(bytes)) await new Promise((r) => socket.once('drain', r));
}

describe.each(transportKinds)('App fragment flood (%s)', (transport) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  it('8 messages of 131 072 one-byte fragments: memory bounded by their bytes; one frame more closes with 1009', async () => {
    const CONNECTIONS = 8;
    const sizes: number[] = [];
    const closes: number[] = [];
    server = await listen(transport, (app) =>
      app.ws('/*', {
        maxPayloadLength: MiB,
        idleTimeout: 0,
        message: (_ws, message) => sizes.push(message.length),
        close: (_ws, code) => closes.push(code),
      }),
    );
    const sockets = await Promise.all(Array.from({ length: CONNECTIONS }, () => upgraded(server!.port)));
    const before = process.memoryUsage();
    // Every message open at once, one frame short of its end.
    await Promise.all(sockets.map((s) => write(s, oneByteFrames(LIMIT - 1, true, false))));
    await new Promise((r) => setTimeout(r, 500));
    const held = process.memoryUsage();
    // 8 × 131 071 fragments: one Buffer each was ~160 MB; one growing buffer each is 8 × 256 KiB
    // (measured: +9 to +17 MB rss here with the client's own buffers; +74 MB before).
    if (!underAddressSanitizer) expect(held.rss - before.rss).toBeLessThan(40 * MiB);
    expect(held.arrayBuffers - before.arrayBuffers).toBeLessThan(32 * MiB);
    await Promise.all(sockets.map((s) => write(s, oneByteFrames(1, false, true))));
    await waitFor(() => sizes.length === CONNECTIONS, 20_000, 'the messages');
    expect(sizes).toEqual(Array.from({ length: CONNECTIONS }, () => LIMIT));

    const over = await upgraded(server.port);
    await write(over, oneByteFrames(LIMIT + 1, true, true));
    await waitFor(() => closes.length === 1, 20_000, 'the 1009 close');
    expect(closes).toEqual([1009]);
    for (const s of [...sockets, over]) s.destroy();
  }, 60_000);
});
