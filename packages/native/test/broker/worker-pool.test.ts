import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { transportKinds } from '../support/transports.js';
import { waitFor } from '../support/app-harness.js';
import { isBuilt } from '../support/built-package.js';

const dist = new URL('../../dist/index.js', import.meta.url);
const built = isBuilt('worker-pool.test', ['index.js', 'pool-worker.js']);
const fixture = new URL('../fixtures/pool-app.mjs', import.meta.url);
type Pool = import('../../src/pool/worker-pool.js').WorkerPool;

/** A ws client of the pool that knows which worker it landed on. */
class Client {
  readonly got: string[] = [];
  worker = -1;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => this.got.push(d.toString()));
  }
  static async open(port: number): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const c = new Client(ws);
    await once(ws, 'open');
    await c.command('who');
    c.worker = Number(c.got.at(-1)!.split(' ')[2]);
    return c;
  }
  async command(text: string): Promise<void> {
    const n = this.oks();
    this.ws.send(text);
    await waitFor(() => this.oks() > n, 5000, text);
  }
  oks(): number {
    return this.got.filter((m) => m.startsWith('ok ')).length;
  }
  messages(): string[] {
    return this.got.filter((m) => !m.startsWith('ok '));
  }
}

// Workers load the built package (they cannot import TypeScript); `pnpm test` builds it first.
describe.skipIf(!transportKinds.includes('epoll') || !built)('startWorkerPool: Apps on worker threads, one port (SO_REUSEPORT), topics across threads', () => {
  let pool: Pool | undefined;
  let clients: Client[] = [];
  afterEach(async () => {
    for (const c of clients) c.ws.terminate();
    clients = [];
    await pool?.close();
    pool = undefined;
  });

  async function start(workers: number): Promise<Pool> {
    const { startWorkerPool } = (await import(dist.href)) as typeof import('../../src/pool/worker-pool.js');
    pool = await startWorkerPool(fixture, { port: 0, host: '127.0.0.1', workers });
    // Enough clients that each worker has some (the kernel hashes them: all on one is ~3·(2/3)^30).
    clients = await Promise.all(Array.from({ length: 30 }, () => Client.open(pool!.port)));
    for (let w = 0; w < workers; w++) expect(clients.some((c) => c.worker === w)).toBe(true);
    return pool;
  }

  it('a publish on any thread reaches every subscriber on every thread exactly once (the sender skipped)', async () => {
    await start(3);
    for (const c of clients) await c.command('sub room');
    // One publisher on each worker.
    const publishers = [0, 1, 2].map((w) => clients.find((c) => c.worker === w)!);
    for (const [i, p] of publishers.entries()) await p.command(`pub room m${i}`);
    await waitFor(() => clients.every((c) => c.messages().length === (publishers.includes(c) ? 2 : 3)), 10_000, 'deliveries');
    await new Promise((r) => setTimeout(r, 200)); // a duplicate would be here by now
    for (const c of clients) {
      const expected = publishers.map((p, i) => (p === c ? undefined : `m${i}`)).filter((m) => m !== undefined);
      expect(c.messages().sort()).toEqual(expected);
    }
  });

  it('close() shuts every App down gracefully: each client gets 1001, every close handler runs, every thread ends', async () => {
    const p = await start(2);
    const closed: number[] = [];
    p.on('message', (_w, m) => closed.push((m as { closed: number }).closed));
    const clientCloses = clients.map((c) => once(c.ws, 'close'));
    await p.close();
    expect(p.size).toBe(0);
    expect(closed).toHaveLength(clients.length);
    for (let w = 0; w < 2; w++) expect(closed.filter((x) => x === w)).toHaveLength(clients.filter((c) => c.worker === w).length);
    const codes = (await Promise.all(clientCloses)).map(([code]) => code as number);
    expect(codes).toEqual(clients.map(() => 1001));
  });

  it('a module without a factory is a clear error', async () => {
    const { startWorkerPool } = (await import(dist.href)) as typeof import('../../src/pool/worker-pool.js');
    await expect(startWorkerPool(new URL('../fixtures/pool-no-factory.mjs', import.meta.url), { port: 0, workers: 2 })).rejects.toThrow(
      /worker 0: .*pool-no-factory\.mjs must export a default function that returns an App/,
    );
  });

  it('a thread that exits takes its subscriptions with it; the others go on', async () => {
    const p = await start(2);
    for (const c of clients) await c.command('sub room');
    const exited = once(p, 'exit');
    await p.workers[1].terminate();
    await exited;
    expect(p.size).toBe(1);
    const survivors = clients.filter((c) => c.worker === 0);
    const gone = clients.filter((c) => c.worker === 1);
    await waitFor(() => gone.every((c) => c.ws.readyState === WebSocket.CLOSED), 5000, 'clients of the ended thread closed');
    const [sender, ...others] = survivors;
    await sender.command('pub room after');
    await waitFor(() => others.every((c) => c.messages().length === 1), 5000, 'deliveries on the surviving thread');
    expect(others.map((c) => c.messages())).toEqual(others.map(() => ['after']));
    expect(gone.every((c) => c.messages().length === 0)).toBe(true);
  });
});
