import { describe, expect, it } from 'vitest';
import { Control } from '../../src/transport/native-layout.js';
import { listen } from '../support/app-harness.js';
import { ACCEPT, rawConnect, readUntil, upgradeRequest } from '../support/raw-socket.js';
import { transportKinds } from '../support/transports.js';

/** Keeps this thread busy for `ms` (a long task, or a process starved of CPU). */
function stall(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// After a stall, libuv runs overdue timers before it polls for I/O. The loop's 1-second tick
// judges deadlines; bytes that arrived during the stall must be read before that, or a peer
// whose request came in time is dropped as if it never sent one (under load: a connect storm
// answered with resets).
describe.skipIf(!transportKinds.includes('epoll'))('deadlines after a stall (epoll)', () => {
  it('reads a request that arrived during a stall before the overdue tick times its handshake out', async () => {
    const server = await listen('epoll', (app) => app.ws('/*', {}), { handshakeTimeout: 1 });
    const control = (server.app as unknown as { transport: { loop: { control: Int32Array } } }).transport.loop.control;
    try {
      let socket;
      // The handshake deadline is two ticks after the accept: connect just after a tick, so
      // that the stall below covers the second one. Retried if a tick slips in meanwhile.
      for (let attempt = 0; attempt < 5 && socket === undefined; attempt++) {
        const before = control[Control.TICK];
        while (control[Control.TICK] === before) await sleep(5);
        const tick = control[Control.TICK];
        const candidate = await rawConnect(server.port);
        await sleep(50); // accepted and armed
        if (control[Control.TICK] === tick) socket = candidate;
        else candidate.destroy();
      }
      if (socket === undefined) throw new Error('no connection was accepted between two ticks in 5 attempts');
      const accepted = control[Control.TICK];
      while (control[Control.TICK] === accepted) await sleep(5); // one tick left before the deadline
      socket.write(upgradeRequest());
      stall(1300); // the deadline's tick becomes overdue while the request sits unread
      const answer = (await readUntil(socket, (t) => t.includes('\r\n\r\n'), 3000)).toString('latin1');
      expect(answer).toMatch(/^HTTP\/1\.1 101 /);
      expect(answer).toContain(ACCEPT);
      socket.destroy();
    } finally {
      server.app.close();
    }
  });
});
