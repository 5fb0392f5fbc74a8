/**
 * The entry of a {@link WorkerPool} thread: makes the user's App with the module's default
 * export, attaches the pool's ThreadBroker, listens with SO_REUSEPORT, and shuts the App down
 * gracefully when the pool says so (queued data, then a close frame to every socket; the thread
 * then ends on its own: nothing else holds its loop).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { TemplatedApp } from '../app/app.js';
import type { ThreadBroker as ThreadBrokerClass } from '../broker/thread-broker.js';
import { POOL_TAG, type PoolControl, type WorkerAppFactory } from './worker-pool.js';

interface PoolWorkerData {
  module: string;
  workerIndex: number;
  workerData: unknown;
  port: number;
  host: string | undefined;
  broker: boolean;
  channel: string;
  /** The pool's closeTimeout (ms): the shutdown's own bound stays inside it. */
  closeTimeout: number;
}

const data = workerData as PoolWorkerData;
const port = parentPort!;
const send = (message: PoolControl): void => port.postMessage(message);
// The package itself (not bundled here): the same App and ThreadBroker the user's module gets.
const { ThreadBroker } = (await import('@uws/native')) as unknown as { ThreadBroker: typeof ThreadBrokerClass };

try {
  const imported = (await import(data.module)) as { default?: WorkerAppFactory };
  const factory = imported.default;
  if (typeof factory !== 'function') throw new TypeError(`${data.module} must export a default function that returns an App`);
  const broker = data.broker ? new ThreadBroker({ channel: data.channel }) : undefined;
  const app: TemplatedApp = await factory({ workerIndex: data.workerIndex, workerData: data.workerData, broker });
  if (broker !== undefined) app.useBroker(broker);
  const listened = (token: unknown): void => {
    if (token === false) send({ [POOL_TAG]: 'failed', error: `cannot listen on port ${data.port} with reusePort (the epoll transport is needed)` });
    else send({ [POOL_TAG]: 'listening', port: (token as { port: number }).port });
  };
  if (data.host === undefined) app.listen(data.port, { reusePort: true }, listened);
  else app.listen(data.host, data.port, { reusePort: true }, listened);
  port.on('message', (message: unknown) => {
    if ((message as Record<string, unknown> | null)?.[POOL_TAG] !== 'close') return;
    // Graceful: every socket gets its queued data, then 1001, within the pool's closeTimeout.
    const seconds = Math.max(0.1, (data.closeTimeout - 500) / 1000);
    void app.shutdown({ timeout: seconds }).finally(() => port.close());
  });
} catch (error) {
  send({ [POOL_TAG]: 'failed', error: (error as Error).message });
}
