// @ts-check
// The testees this package ships: servers (started on a free port, for fuzzing-client mode)
// and clients (started against our fuzzing server, for fuzzing-server mode), as child processes.
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
  'ws-compat-epoll': ['ws-compat-echo.mjs', 'epoll'],
  'ws-compat-node': ['ws-compat-echo.mjs', 'node'],
  'broken-echo': ['broken-echo.mjs'],
};

/** The testees CI must see fully conformant. */
export const CONFORMANT_TESTEES = ['uws-app-epoll', 'uws-app-node', 'uws-protocol-net', 'ws-compat-epoll', 'ws-compat-node'];

/** Client testees: name → [script, ...args before the server URL]; then URL, agent, concurrency. */
export const CLIENT_TESTEES = {
  'uws-client-epoll': ['native-client.mjs', 'epoll'],
  'uws-client-node': ['native-client.mjs', 'node'],
  'ws-compat-client-epoll': ['ws-compat-client.mjs', 'epoll'],
  'ws-compat-client-node': ['ws-compat-client.mjs', 'node'],
  'broken-client': ['broken-client.mjs'],
};

/** The client testees CI must see fully conformant. */
export const CONFORMANT_CLIENT_TESTEES = ['uws-client-epoll', 'uws-client-node', 'ws-compat-client-epoll', 'ws-compat-client-node'];

/**
 * zlib level at which a testee compresses what it sends (it inflates what it receives, whatever
 * the level). The level is a tuning knob, not conformance: any level yields valid
 * permessage-deflate, and the fuzzer inflates and checks every echo either way. Deflating the
 * echoes of 12.x/13.x (about 11 GB per testee) is most of what the whole catalogue costs. So one
 * testee per compression setup and role sends real deflate output, judged in full: the App
 * (uws-app-epoll) at zlib's default (6), as shipped; the ws-compat server (context takeover) and
 * the native Client on epoll at 1, which takes about 40 % less of their CPU time for the 216
 * (measured on uws-protocol-net: 169 s at 6, 118 s at 1). The others test the same codec over
 * another transport or API; they compress at 0 (stored blocks: what they send is still framed,
 * negotiated and flushed as permessage-deflate, only not shrunk), 48 s instead of 118 s at 1.
 * The whole catalogue against all ten testees fits CI only so.
 * Not listed: the testee's default (6). Handed to the testee as AUTOBAHN_ZLIB_LEVEL.
 * @type {Record<string, number>}
 */
export const ZLIB_LEVELS = {
  'ws-compat-epoll': 1,
  'uws-client-epoll': 1,
  'uws-app-node': 0,
  'uws-app-epoll-tls': 0,
  'uws-protocol-net': 0,
  'ws-compat-node': 0,
  'uws-client-node': 0,
  'ws-compat-client-epoll': 0,
  'ws-compat-client-node': 0,
};

/**
 * zlib level at which the fuzzer compresses what it sends to `name`: 0 (stored blocks) for the
 * testees that compress at 0 themselves, 1 for the others. It does not change what the testee
 * must do (inflate what it gets, as any level yields valid permessage-deflate), and the
 * Huffman-coded input of level 1 is still inflated by the same codec in the testees that
 * compress at 1 or 6. Measured on uws-protocol-net, 216 cases: 55 against 69 CPU-seconds of the
 * fuzzer, which compresses each message once per run (compressed-message-cache.mjs).
 * @param {string} name
 */
export const fuzzerDeflateLevel = (name) => (ZLIB_LEVELS[name] === 0 ? 0 : 1);

/** The environment of a testee's process: ours plus its zlib level, if it has one. @param {string} name */
function testeeEnv(name) {
  const level = ZLIB_LEVELS[name];
  return level === undefined ? process.env : { ...process.env, AUTOBAHN_ZLIB_LEVEL: String(level) };
}

/**
 * Runs a client testee against a fuzzing server until it exits (after /updateReports).
 * @param {string} name  a CLIENT_TESTEES name
 * @param {string} url   the fuzzing server, ws://host:port
 * @param {string} agent
 * @param {number} concurrency  cases at once (1: the suite's flow)
 * @param {string[]} [extra]  arguments after those (broken-client: "unmasked")
 * @returns {Promise<number | null>} the exit code
 */
export function runClientTestee(name, url, agent, concurrency, extra = []) {
  const entry = /** @type {Record<string, string[]>} */ (CLIENT_TESTEES)[name];
  if (!entry) throw new Error(`unknown client testee ${name}; known: ${Object.keys(CLIENT_TESTEES).join(', ')}`);
  const [script, ...args] = entry;
  const child = spawn(process.execPath, [dir + script, ...args, url, agent, String(concurrency), ...extra], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: testeeEnv(name),
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

/**
 * Starts a testee and resolves once it prints the port it listens on.
 * @param {string} name
 * @returns {Promise<{ port: number, stop: () => Promise<void> }>}
 */
export function startTestee(name) {
  const entry = /** @type {Record<string, string[]>} */ (TESTEES)[name];
  if (!entry) throw new Error(`unknown testee ${name}; known: ${Object.keys(TESTEES).join(', ')}`);
  const [script, ...args] = entry;
  const child = spawn(process.execPath, [dir + script, ...args, '0'], { stdio: ['ignore', 'pipe', 'inherit'], env: testeeEnv(name) });
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
