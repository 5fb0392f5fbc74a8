/**
 * Multi-core in one line: `startWorkerPool(moduleUrl, { port })` starts N worker threads, each
 * running the App that `moduleUrl`'s default export makes, all listening on one port with
 * SO_REUSEPORT (the kernel spreads connections over them; epoll transport) and sharing topics
 * through a {@link ThreadBroker}. `close()` closes every App (every close handler runs) and
 * waits for every thread to end.
 */
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { TemplatedApp } from '../app/app.js';
import type { ThreadBroker } from '../broker/thread-broker.js';

/** What the pool's module exports as its default: makes the App of one worker. */
export type WorkerAppFactory = (context: WorkerContext) => TemplatedApp | Promise<TemplatedApp>;

/** What a worker's App factory gets. */
export interface WorkerContext {
  /** 0 .. workers-1. */
  workerIndex: number;
  /** `options.workerData`, cloned into the worker. */
  workerData: unknown;
  /**
   * The broker the pool attaches to the returned App after the factory returns (undefined with
   * `broker: false`): the factory must not attach another.
   */
  broker: ThreadBroker | undefined;
}

/** Options of {@link startWorkerPool}. */
export interface WorkerPoolOptions {
  /** The port every worker listens on (0: a free one, the same for all). */
  port: number;
  /** Host to listen on. Default: every address. */
  host?: string;
  /** Number of worker threads. Default: `os.availableParallelism()`. */
  workers?: number;
  /** Given to every factory as `context.workerData` (structured-cloned). Default: undefined. */
  workerData?: unknown;
  /**
   * Attach a ThreadBroker to every worker's App so topics reach every thread. Default: true.
   * False: the workers' topics stay within each thread (or the factory attaches a broker of its own).
   */
  broker?: boolean;
  /** The ThreadBroker channel name. Default: one of its own per pool. */
  channel?: string;
  /** Milliseconds `close()` waits for a worker's App to close before terminating the thread. Default: 10 000. */
  closeTimeout?: number;
}

/** Messages between the pool and its workers (other messages are the user's: `'message'` events). */
export const POOL_TAG = 'uws:pool';
export type PoolControl =
  | { [POOL_TAG]: 'listening'; port: number }
  | { [POOL_TAG]: 'failed'; error: string }
  | { [POOL_TAG]: 'close' }
  | { [POOL_TAG]: 'closed' };

/** Events of a {@link WorkerPool}. */
export interface WorkerPoolEvents {
  /** A worker posted something of its own (`parentPort.postMessage`). */
  message: [workerIndex: number, message: unknown];
  /** A worker ended (after `close()`, or on its own: it is not restarted). */
  exit: [workerIndex: number, code: number];
  /** A worker threw. */
  error: [workerIndex: number, error: Error];
}

let poolSeq = 0;

/** The threads started by {@link startWorkerPool}: `port`, `size`, events `'exit'`/`'message'`/`'error'`, `close()`. */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  /** The port every worker listens on. */
  port = 0;
  /** The threads, by worker index (a thread that ended stays in its place). */
  readonly workers: Worker[] = [];
  private readonly running = new Set<number>();
  private closing: Promise<void> | undefined = undefined;

  /** @internal use {@link startWorkerPool} */
  constructor(
    private readonly module: string,
    private readonly options: Required<Pick<WorkerPoolOptions, 'workers' | 'broker' | 'channel' | 'closeTimeout'>> & WorkerPoolOptions,
  ) {
    super();
  }

  /** Threads still running. */
  get size(): number {
    return this.running.size;
  }

  /** @internal starts worker `index` and resolves once its App listens. */
  async spawn(index: number, port: number): Promise<number> {
    const worker = new Worker(new URL('./pool-worker.js', import.meta.url), {
      workerData: {
        module: this.module,
        workerIndex: index,
        workerData: this.options.workerData,
        port,
        host: this.options.host,
        broker: this.options.broker,
        channel: this.options.channel,
        closeTimeout: this.options.closeTimeout,
      },
    });
    this.workers[index] = worker;
    this.running.add(index);
    worker.on('exit', (code) => {
      this.running.delete(index);
      this.emit('exit', index, code);
    });
    return new Promise<number>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      worker.once('error', onError);
      worker.on('message', (message: unknown) => {
        const control = (message as Record<string, unknown> | null)?.[POOL_TAG];
        if (control === undefined) {
          this.emit('message', index, message);
          return;
        }
        if (control === 'listening') {
          worker.off('error', onError);
          worker.on('error', (error) => (this.listenerCount('error') > 0 ? this.emit('error', index, error) : process.emitWarning(error)));
          resolve((message as { port: number }).port);
        } else if (control === 'failed') reject(new Error(`worker ${index}: ${(message as { error: string }).error}`));
      });
      worker.once('exit', (code) => reject(new Error(`worker ${index} exited with ${code} before listening`)));
    });
  }

  /**
   * Shuts every worker's App down gracefully (stops listening; each socket gets its queued data,
   * then 1001; every close handler runs)
   * and resolves once every thread ended. A worker that does not finish within `closeTimeout`
   * is terminated.
   */
  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    await Promise.all(
      this.workers.map(async (worker, index) => {
        if (!this.running.has(index)) return;
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.postMessage({ [POOL_TAG]: 'close' } satisfies PoolControl);
        const timer = setTimeout(() => void worker.terminate(), this.options.closeTimeout);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

/**
 * Starts `options.workers` threads, each running the App that `module`'s default export
 * ({@link WorkerAppFactory}) makes, on one port with SO_REUSEPORT, sharing topics through a
 * ThreadBroker. Needs the epoll transport (Linux). Resolves once every worker listens.
 * @param module the factory module: a file URL or an absolute path.
 * @throws {Error} (rejects) when a worker fails to load the module or to listen; the others are closed.
 */
export async function startWorkerPool(module: string | URL, options: WorkerPoolOptions): Promise<WorkerPool> {
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be an integer >= 1, got ${String(workers)}`);
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new RangeError(`port must be 0..65535, got ${String(options.port)}`);
  const href = module instanceof URL ? module.href : module.startsWith('file:') ? module : new URL(`file://${module}`).href;
  const pool = new WorkerPool(href, {
    ...options,
    workers,
    broker: options.broker ?? true,
    channel: options.channel ?? `uws:pool:${process.pid}:${poolSeq++}`,
    closeTimeout: options.closeTimeout ?? 10_000,
  });
  try {
    // The first picks the port (when 0); the others join it.
    pool.port = await pool.spawn(0, options.port);
    await Promise.all(Array.from({ length: workers - 1 }, (_, i) => pool.spawn(i + 1, pool.port)));
  } catch (error) {
    await pool.close();
    throw error;
  }
  return pool;
}
