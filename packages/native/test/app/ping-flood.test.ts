/**
 * A peer that floods pings and never reads its pongs: the App answers each ping while its sends
 * flow, and while they are backpressured keeps only the latest ping's payload, answered once
 * the backlog drained (RFC 6455 §5.5.3). Memory stays bounded, whatever the number of pings.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket as AppSocket } from '../../src/app/websocket.js';
import { type Listening, listen, waitFor } from '../support/app-harness.js';
import { clientFrame, rawConnect, readUntil, upgradeRequest } from '../support/raw-socket.js';
import { underAddressSanitizer } from '../support/sanitizers.js';
import { transportKinds } from '../support/transports.js';

const MiB = 1024 * 1024;
const PINGS = 400_000;
const PER_WRITE = 2000;

describe.each(transportKinds)('App ping flood (%s)', (transport) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  it(`${PINGS} pings of 125 bytes from a peer that does not read: the backlog stays bounded, the latest ping is answered`, async () => {
    let socketOnServer: AppSocket | undefined;
    let pings = 0;
    server = await listen(transport, (app) =>
      app.ws('/*', {
        idleTimeout: 0,
        open: (ws) => (socketOnServer = ws),
        ping: () => pings++,
      }),
    );
    const socket = await rawConnect(server.port);
    socket.write(upgradeRequest());
    await waitFor(() => socketOnServer !== undefined, 5000, 'open');
    socket.pause(); // never reads while flooding
    const before = process.memoryUsage();
    let peakBuffered = 0;
    for (let sent = 0; sent < PINGS; sent += PER_WRITE) {
      const frames: Buffer[] = [];
      for (let i = 0; i < PER_WRITE; i++) {
        const payload = Buffer.alloc(125, 0x70);
        payload.writeUInt32BE(sent + i, 0);
        frames.push(clientFrame(0x9, payload));
      }
      if (!socket.write(Buffer.concat(frames))) await new Promise((r) => socket.once('drain', r));
      peakBuffered = Math.max(peakBuffered, socketOnServer!.getBufferedAmount());
    }
    await waitFor(() => pings === PINGS, 30_000, 'every ping handled');
    const after = process.memoryUsage();
    // 400 000 pongs are 51 MiB: queued, they were all held. Now one pong waits at most
    // (plus what the kernel refused of the pongs sent before the backlog formed).
    expect(peakBuffered).toBeLessThan(4 * MiB);
    // Where a held backlog would live: on node:net in JS Buffers (arrayBuffers), on epoll in the
    // addon's memory (RSS only). RSS also carries this test's own 52 MB of client frames and the
    // read buffers, not yet collected (+23..30 MiB seen here, 45 MiB once on node:net under load),
    // so its bound is for epoll alone, and sits between that and the 51 MiB of pongs a held
    // backlog adds to it.
    if (transport === 'epoll' && !underAddressSanitizer) expect(after.rss - before.rss).toBeLessThan(56 * MiB);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(40 * MiB);
    // Now read: the last pong answers the last ping.
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received.subarray(Math.max(0, received.length - 4096)), chunk]);
    });
    socket.resume();
    const last = Buffer.alloc(125, 0x70);
    last.writeUInt32BE(PINGS - 1, 0);
    const lastPong = Buffer.concat([Buffer.from([0x8a, 125]), last]);
    await waitFor(() => received.subarray(received.length - lastPong.length).equals(lastPong), 20_000, 'the pong of the last ping');
    socket.destroy();
  }, 60_000);

  it('ten pings in one segment from a reading peer get ten pongs, in order (Autobahn 2.10)', async () => {
    server = await listen(transport, (app) => app.ws('/*', { idleTimeout: 0 }));
    const socket = await rawConnect(server.port);
    socket.write(upgradeRequest());
    await readUntil(socket, (text) => text.includes('\r\n\r\n'));
    const payloads = Array.from({ length: 10 }, (_, i) => Buffer.from(`payload-${i}`));
    const expected = Buffer.concat(payloads.map((p) => Buffer.concat([Buffer.from([0x8a, p.length]), p])));
    // Several rounds: one that coalesced would show as a missing pong in one of them.
    for (let round = 0; round < 20; round++) {
      const pongs = readUntil(socket, (text) => Buffer.from(text, 'latin1').length >= expected.length);
      socket.write(Buffer.concat(payloads.map((p) => clientFrame(0x9, p))));
      expect((await pongs).equals(expected)).toBe(true);
    }
    socket.destroy();
  });
});
