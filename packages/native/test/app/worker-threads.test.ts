import { readdirSync } from 'node:fs';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/app/app.js';
import type { ListenSocket } from '../../src/app/listen-socket.js';
import { nextMessage, openClient } from '../support/app-harness.js';
import { transportKinds } from '../support/transports.js';
import { isBuilt } from '../support/built-package.js';

const built = isBuilt('worker-threads.test');
const openFds = (): number => readdirSync('/proc/self/fd').length;

// Workers load the built package (they cannot import TypeScript); `pnpm test` builds it first.
describe.skipIf(!transportKinds.includes('epoll') || !built)('App in worker_threads with SO_REUSEPORT (epoll)', () => {
  it('spreads connections over a loop per thread, and a worker exit leaks no fd', async () => {
    const fdsBefore = openFds();
    const app = App({ transport: 'epoll' }).ws('/*', { message: (ws) => ws.send('thread 0') });
    const token = await new Promise<ListenSocket>((resolve, reject) =>
      app.listen('127.0.0.1', 0, { reusePort: true }, (t) => (t ? resolve(t) : reject(new Error('listen failed')))),
    );
    const worker = new Worker(new URL('../fixtures/reuseport-worker.mjs', import.meta.url), {
      workerData: { port: token.port },
    });
    const [state] = (await once(worker, 'message')) as [unknown];
    expect(state).toBe('listening');

    const threads = new Set<string>();
    const clients = await Promise.all(Array.from({ length: 40 }, () => openClient(`ws://127.0.0.1:${token.port}/`)));
    for (const ws of clients) {
      const reply = nextMessage(ws);
      ws.send('who');
      threads.add((await reply).data.toString());
    }
    // The kernel hashes connections over both listeners: 40 all landing on one is ~2^-39.
    expect(threads.has('thread 0')).toBe(true);
    expect([...threads].some((t) => t !== 'thread 0')).toBe(true);
    for (const ws of clients) ws.terminate();

    worker.postMessage('close');
    await once(worker, 'message');
    await worker.terminate();
    app.close();
    // Every socket, listener and epoll fd of both loops is gone again.
    await new Promise((r) => setTimeout(r, 200));
    expect(openFds()).toBeLessThanOrEqual(fdsBefore + 1);
  });

  it('tears a worker down cleanly while it still has open connections', async () => {
    const fdsBefore = openFds();
    const worker = new Worker(new URL('../fixtures/reuseport-worker.mjs', import.meta.url), { workerData: { port: 0 } });
    await once(worker, 'message');
    // No close message: the worker is terminated with its App listening.
    await worker.terminate();
    await new Promise((r) => setTimeout(r, 200));
    expect(openFds()).toBeLessThanOrEqual(fdsBefore + 1);
  });
});
