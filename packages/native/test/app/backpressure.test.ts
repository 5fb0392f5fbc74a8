import { afterEach, describe, expect, it } from 'vitest';
import { BACKPRESSURE, DROPPED, SUCCESS, type SendStatus } from '../../src/app/send-status.js';
import type { WebSocket as AppSocket } from '../../src/app/websocket.js';
import { type Listening, closed, deferred, listen, openClient, waitFor } from '../support/app-harness.js';
import { transportKinds } from '../support/transports.js';

const CHUNK = Buffer.alloc(256 * 1024, 1);
/** Bounds the flood: the kernel buffers a few MiB at most before backpressure shows. */
const MAX_SENDS = 400;

/** Sends CHUNK until DROPPED (or MAX_SENDS); returns the statuses. */
function flood(ws: AppSocket): SendStatus[] {
  const statuses: SendStatus[] = [];
  for (let i = 0; i < MAX_SENDS; i++) {
    const status = ws.send(CHUNK, true);
    statuses.push(status);
    if (status === DROPPED) break;
  }
  return statuses;
}

describe.each(transportKinds)('App backpressure (%s)', (transport) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  it('a paused reader gets BACKPRESSURE, then DROPPED past maxBackpressure; drain fires after resume', async () => {
    const dropped: number[] = [];
    const drained = deferred<number>();
    let socket: AppSocket | undefined;
    server = await listen(transport, (app) =>
      app.ws('/*', {
        maxBackpressure: 512 * 1024,
        open: (ws) => (socket = ws),
        dropped: (_ws, message) => dropped.push(message.length),
        drain: (ws) => drained.resolve(ws.getBufferedAmount()),
      }),
    );
    const client = await openClient(server.url);
    await waitFor(() => socket !== undefined);
    client.pause(); // the client stops reading: the kernel buffers fill, then ours
    let received = 0;
    client.on('message', () => received++);
    // Outside a handler too, sends are batched; let timers interleave so the kernel can push back.
    const statuses: SendStatus[] = [];
    for (let round = 0; round < 20 && !statuses.includes(DROPPED); round++) {
      statuses.push(...flood(socket!));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(statuses[0]).toBe(SUCCESS);
    expect(statuses).toContain(BACKPRESSURE);
    expect(statuses[statuses.length - 1]).toBe(DROPPED);
    expect(statuses.indexOf(BACKPRESSURE)).toBeLessThan(statuses.indexOf(DROPPED));
    expect(dropped).toEqual([CHUNK.length]);
    expect(socket!.getBufferedAmount()).toBeGreaterThan(512 * 1024);
    const sent = statuses.filter((s) => s !== DROPPED).length;

    client.resume();
    expect(await drained.promise).toBe(0);
    await waitFor(() => received === sent, 10_000, 'every accepted message');
    client.close();
  });

  it('closeOnBackpressureLimit closes the socket on the first drop', async () => {
    const code = deferred<number>();
    let socket: AppSocket | undefined;
    server = await listen(transport, (app) =>
      app.ws('/*', {
        maxBackpressure: 64 * 1024,
        closeOnBackpressureLimit: true,
        open: (ws) => (socket = ws),
        close: (_ws, c) => code.resolve(c),
      }),
    );
    const client = await openClient(server.url);
    await waitFor(() => socket !== undefined);
    client.pause();
    const done = closed(client);
    let last: SendStatus = SUCCESS;
    for (let round = 0; round < 20 && last !== DROPPED; round++) {
      const statuses = flood(socket!);
      last = statuses[statuses.length - 1];
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(last).toBe(DROPPED);
    expect(await code.promise).toBe(1006);
    client.resume();
    expect((await done).code).toBe(1006);
  });
});
