/**
 * A real redis-server for the tests (Debian's `redis-server`), on a free loopback port with
 * persistence off, stopped by its PID. Missing: under CI=true the tests fail; elsewhere they are
 * skipped with a loud reason (install it: `apt-get install redis-server`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

function findRedisServer() {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const REDIS_SERVER = findRedisServer();
if (REDIS_SERVER === undefined) {
  if (process.env.CI === 'true') throw new Error('redis-server is not installed, and CI=true: the chat scale-out tests need a real Redis (apt-get install redis-server)');
  console.warn('SKIPPING the chat --redis tests: redis-server is not installed (apt-get install redis-server)');
}

/** A free loopback TCP port (bound and released). */
export async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = /** @type {net.AddressInfo} */ (server.address());
  server.close();
  await once(server, 'close');
  return port;
}

/** Starts redis-server and resolves once it answers PING. */
export async function startRedis() {
  const port = await freePort();
  const child = spawn(/** @type {string} */ (REDIS_SERVER), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`redis-server did not come up on ${port}: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      process.kill(/** @type {number} */ (child.pid), 'SIGKILL');
      await exited;
    },
  };
}

/** @param {number} port @returns {Promise<boolean>} */
function answers(port) {
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
