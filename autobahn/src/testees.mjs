// @ts-check
// The testees this package ships, and starting one on a free port as a child process.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../testees/', import.meta.url));

/** name → [script, ...args before the port] */
export const TESTEES = {
  'uws-app-epoll': ['app-echo.mjs', 'epoll'],
  'uws-app-node': ['app-echo.mjs', 'node'],
  // The same App over TLS (wss://): run them with --tls.
  'uws-app-epoll-tls': ['app-echo.mjs', 'epoll', 'tls'],
  'uws-app-node-tls': ['app-echo.mjs', 'node', 'tls'],
  'uws-protocol-net': ['protocol-net-echo.mjs'],
  'broken-echo': ['broken-echo.mjs'],
};

/** The testees CI must see fully conformant. */
export const CONFORMANT_TESTEES = ['uws-app-epoll', 'uws-app-node', 'uws-protocol-net'];

/**
 * Starts a testee and resolves once it prints the port it listens on.
 * @param {string} name
 * @returns {Promise<{ port: number, stop: () => Promise<void> }>}
 */
export function startTestee(name) {
  const entry = /** @type {Record<string, string[]>} */ (TESTEES)[name];
  if (!entry) throw new Error(`unknown testee ${name}; known: ${Object.keys(TESTEES).join(', ')}`);
  const [script, ...args] = entry;
  const child = spawn(process.execPath, [dir + script, ...args, '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (/** @type {Buffer} */ d) => {
      out += d.toString();
      const m = /listening\D*?(?:\d+\.\d+\.\d+\.\d+:)?(\d+)\s*$/m.exec(out);
      if (!m) return;
      child.stdout.off('data', onData);
      child.stdout.resume();
      resolve({
        port: Number(m[1]),
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`testee ${name} exited (${code}) before listening: ${out}`)));
  });
}
