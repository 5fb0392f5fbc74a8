/**
 * A server in a child process (a node script of the test's own): spawned, then ready once its
 * stdout announces `port <n>`. The close-on-signal tests send it SIGTERM and watch what clients get.
 */
import { spawn } from 'node:child_process';

/**
 * @param {string} script the node script
 * @param {string[]} [args]
 * @param {{ timeout?: number }} [options]
 * @returns {Promise<{ child: import('node:child_process').ChildProcessByStdio<null, import('node:stream').Readable, null>, port: number, output: () => string }>}
 */
export async function startChildServer(script, args = [], { timeout = 10_000 } = {}) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk.toString()));
  const deadline = Date.now() + timeout;
  /** @type {RegExpExecArray | null} */
  let match;
  while ((match = /port (\d+)/.exec(out)) === null) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${script} exited (${child.exitCode ?? child.signalCode}) before listening: ${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not listen within ${timeout} ms: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, port: Number(match[1]), output: () => out };
}
