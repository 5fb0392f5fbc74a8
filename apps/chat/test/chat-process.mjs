/** The chat server as a user starts it (`node src/main.mjs ...`), in a child process. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const main = new URL('../src/main.mjs', import.meta.url);

export class ChatProcess {
  /**
   * Starts `main.mjs` with these arguments on a free port and resolves once it listens.
   * @param {string[]} args
   * @param {import('../src/chat-app.mjs').ChatOptions} [chat] presence / history timings
   */
  static async start(args, chat = {}) {
    const child = spawn(process.execPath, [main.pathname, '--port', '0', ...args], {
      env: { ...process.env, CHAT_OPTIONS: JSON.stringify(chat) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p = new ChatProcess(child);
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the chat did not start: ${p.output}`)), 15_000);
      child.stdout.on('data', () => {
        const m = /uws chat on http:\/\/[^:]+:(\d+)\//.exec(p.output);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the chat exited with ${code}: ${p.output}`));
      });
    });
    p.port = port;
    return p;
  }

  /** @param {import('node:child_process').ChildProcessWithoutNullStreams} child */
  constructor(child) {
    this.child = child;
    this.port = 0;
    this.output = '';
    child.stdout.on('data', (d) => (this.output += d));
    child.stderr.on('data', (d) => (this.output += d));
    this.exited = once(child, 'exit');
  }

  /** Sends a signal by PID and waits for the exit. @param {NodeJS.Signals} signal */
  async kill(signal) {
    if (this.child.exitCode === null && this.child.signalCode === null) process.kill(/** @type {number} */ (this.child.pid), signal);
    const timer = setTimeout(() => this.child.exitCode === null && this.child.signalCode === null && process.kill(/** @type {number} */ (this.child.pid), 'SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
