/**
 * Drives test/fixtures/fault-server.mjs: an App echo server in a child process, for faults that
 * need a process of their own (a lowered descriptor limit, a preloaded send-failure shim).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

/** What the child reports on `stats` (see the fixture). */
export interface FaultServerStats {
  episodes: number;
  shed: number;
  atLimit: boolean;
  open: number;
  closed: number;
  closeCodes: number[];
  live: number;
  wakeUps: number;
  cpuMicros: number;
}

export interface FaultServer {
  port: number;
  url: string;
  process: ChildProcessWithoutNullStreams;
  stats(): Promise<FaultServerStats>;
  /** Ends every open WebSocket; resolves with how many. */
  closeAll(): Promise<number>;
  stderr(): string;
  stop(): void;
}

export interface FaultServerOptions {
  /** `ulimit -n` for the child. */
  fdLimit?: number;
  /** The App's transport. Default: 'epoll'. */
  transport?: 'epoll' | 'node';
  /** An SSLApp (the test certificate for localhost) instead of an App. Default: false. */
  tls?: boolean;
  /** Extra environment (LD_PRELOAD and the shim's settings). */
  env?: NodeJS.ProcessEnv;
}

/** Starts the child and resolves once it listens on 127.0.0.1. Fails after 10 s of silence. */
export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const fixture = new URL('../fixtures/fault-server.mjs', import.meta.url).pathname;
  const limit = options.fdLimit !== undefined ? `ulimit -n ${options.fdLimit} && ` : '';
  const proc = spawn('sh', ['-c', `${limit}exec "$0" "$@"`, process.execPath, fixture, options.transport ?? 'epoll', options.tls ? 'tls' : 'plain'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let stderr = '';
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const lines = createInterface({ input: proc.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from the fault server; stderr: ${stderr}`)), 10_000);
      proc.once('exit', (code, signal) => reject(new Error(`the fault server exited (${code ?? signal}); stderr: ${stderr}`)));
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  const command = async (line: string): Promise<string> => {
    const answer = next();
    proc.stdin.write(`${line}\n`);
    return answer;
  };
  const first = await next();
  const port = Number(/^port (\d+)$/.exec(first)?.[1]);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`unexpected first line from the fault server: ${first}`);
  return {
    port,
    url: `${options.tls ? 'wss' : 'ws'}://127.0.0.1:${port}`,
    process: proc,
    stats: async () => JSON.parse(await command('stats')) as FaultServerStats,
    closeAll: async () => (JSON.parse(await command('closeall')) as { ended: number }).ended,
    stderr: () => stderr,
    stop: () => {
      proc.stdin.end();
      if (proc.exitCode === null) proc.kill();
    },
  };
}
