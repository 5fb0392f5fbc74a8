/**
 * A real redis-server for the tests (Debian's `redis-server`), started on a free loopback port
 * with persistence off and stopped by its PID. Missing: under CI=true the tests fail; elsewhere
 * they are skipped with a loud reason (install it: `apt-get install redis-server`).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

function findRedisServer(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const REDIS_SERVER = findRedisServer();
const CI = process.env.CI === 'true';
if (REDIS_SERVER === undefined) {
  if (CI) throw new Error('redis-server is not installed, and CI=true: these tests need a real Redis (apt-get install redis-server)');
  console.warn('SKIPPING the Redis tests: redis-server is not installed (apt-get install redis-server)');
}
/** Why the Redis tests are skipped, or false when they run. */
export const skipRedis = REDIS_SERVER === undefined;

/** A free loopback TCP port (bound and released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  server.close();
  await once(server, 'close');
  return port;
}

export class RedisServer {
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  static async start(port?: number): Promise<RedisServer> {
    const server = new RedisServer(port ?? (await freePort()));
    await server.start();
    return server;
  }

  /** Starts (or restarts, on the same port) and resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.child !== undefined) throw new Error('already running');
    const child = spawn(REDIS_SERVER!, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const deadline = Date.now() + 10_000;
    // Ready when it answers on its port.
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited: ${out}`);
      if (await answers(this.port)) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not come up on ${this.port}: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL by PID (no shutdown: the way a crash looks to clients), and waits for the exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    process.kill(child.pid!, 'SIGKILL');
    await exited;
  }

  /** SIGSTOP / SIGCONT: a Redis that stops answering while its connections stay open. */
  pause(): void {
    process.kill(this.child!.pid!, 'SIGSTOP');
  }
  resume(): void {
    process.kill(this.child!.pid!, 'SIGCONT');
  }

  /** Runs one command on a fresh connection (RESP by hand: the test needs no client of its own). */
  async command(...args: string[]): Promise<unknown> {
    const socket = net.connect(this.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    let data = Buffer.alloc(0);
    for (;;) {
      const [chunk] = (await once(socket, 'data')) as [Buffer];
      data = Buffer.concat([data, chunk]);
      const parsed = parseResp(data, 0);
      if (parsed !== undefined) {
        socket.destroy();
        return parsed.value;
      }
    }
  }
}

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
  });
}

/** A minimal RESP2 reader for the replies the tests ask for (arrays, integers, bulk strings). */
function parseResp(buf: Buffer, at: number): { value: unknown; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString('utf8', at + 1, eol);
  if (type === '+' ) return { value: line, end: eol + 2 };
  if (type === '-') return { value: new Error(line), end: eol + 2 };
  if (type === ':') return { value: Number(line), end: eol + 2 };
  if (type === '$') {
    const n = Number(line);
    if (n < 0) return { value: null, end: eol + 2 };
    if (buf.length < eol + 2 + n + 2) return undefined;
    return { value: buf.toString('utf8', eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
  }
  if (type === '*') {
    const n = Number(line);
    const out: unknown[] = [];
    let pos = eol + 2;
    for (let i = 0; i < n; i++) {
      const item = parseResp(buf, pos);
      if (item === undefined) return undefined;
      out.push(item.value);
      pos = item.end;
    }
    return { value: out, end: pos };
  }
  throw new Error(`unexpected RESP type ${type}`);
}
