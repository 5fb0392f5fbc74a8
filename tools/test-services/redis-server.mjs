/**
 * A real redis-server (Debian's `redis-server` package) started by the tests themselves on
 * 127.0.0.1, a free port or a given one, persistence off, stopped by its PID.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { findOnPath, missingServiceError, skipReason } from './availability.mjs';
import { freePort } from './free-port.mjs';
import { encodeCommand, parseReply } from './resp.mjs';

export const REDIS_INSTALL = 'apt-get install redis-server';

/** The redis-server on PATH, or undefined. */
export function findRedisServer() {
  return findOnPath('redis-server');
}

/**
 * Why `suite` is skipped here (printed with console.warn), or undefined when it runs: redis-server
 * is on PATH, or CI=true (then `RedisServer.start()` throws and the tests fail).
 * @param {string} suite names the tests in the warning
 * @returns {string | undefined}
 */
export function redisSkipReason(suite) {
  return skipReason({ suite, missing: findRedisServer() === undefined ? 'redis-server is not on PATH' : undefined, install: REDIS_INSTALL });
}

const READY_TIMEOUT_MS = 10_000;

export class RedisServer {
  /** @type {import('node:child_process').ChildProcess | undefined} */
  #child;
  /** @type {(() => void) | undefined} */
  #unhook;
  #killOnExit;
  #exitOnSignal;

  /**
   * @param {number} port
   * @param {{ killOnExit?: boolean, exitOnSignal?: boolean }} [options]
   */
  constructor(port, { killOnExit = true, exitOnSignal = false } = {}) {
    /** @readonly */
    this.port = port;
    this.#killOnExit = killOnExit;
    this.#exitOnSignal = exitOnSignal;
  }

  /**
   * Starts one on `options.port` (default: a free loopback port) and resolves once it answers PING.
   * @param {{ port?: number, killOnExit?: boolean, exitOnSignal?: boolean }} [options]
   * @returns {Promise<RedisServer>}
   */
  static async start(options = {}) {
    const server = new RedisServer(options.port ?? (await freePort()), options);
    await server.start();
    return server;
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The PID of the running redis-server, undefined while stopped. */
  get pid() {
    return this.#child?.pid;
  }

  /** Starts (or restarts, on the same port: empty, persistence is off) and resolves once it answers PING. */
  async start() {
    if (this.#child !== undefined) throw new Error('redis-server is already running');
    const binary = findRedisServer();
    if (binary === undefined) throw missingServiceError('redis-server is not on PATH', REDIS_INSTALL);
    const child = spawn(
      binary,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    this.#hook(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        this.#forget();
        throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode}) on port ${this.port}: ${out}`);
      }
      if (await answersPing(this.port)) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`redis-server did not answer on port ${this.port} within ${READY_TIMEOUT_MS} ms: ${out}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM by PID (Redis shuts down cleanly) and waits for the exit. A paused server is resumed first. */
  async stop() {
    await this.#signal('SIGTERM');
  }

  /** SIGKILL by PID (no shutdown: the way a crash looks to clients) and waits for the exit. */
  async kill() {
    await this.#signal('SIGKILL');
  }

  /** SIGSTOP: a Redis that stops answering while its connections stay open. */
  pause() {
    process.kill(this.#running(), 'SIGSTOP');
  }

  /** SIGCONT after `pause()`. */
  resume() {
    process.kill(this.#running(), 'SIGCONT');
  }

  /**
   * Runs one command on a fresh connection and resolves with the reply (an error reply resolves
   * as an Error value).
   * @param {...string} args
   * @returns {Promise<unknown>}
   */
  async command(...args) {
    const socket = net.connect(this.port, '127.0.0.1');
    try {
      await once(socket, 'connect');
      socket.write(encodeCommand(args));
      let data = Buffer.alloc(0);
      for (;;) {
        const [chunk] = /** @type {[Buffer]} */ (await once(socket, 'data'));
        data = Buffer.concat([data, chunk]);
        const parsed = parseReply(data);
        if (parsed !== undefined) return parsed.value;
      }
    } finally {
      socket.destroy();
    }
  }

  #running() {
    const pid = this.#child?.pid;
    if (pid === undefined) throw new Error('redis-server is not running');
    return pid;
  }

  /** @param {'SIGTERM' | 'SIGKILL'} signal */
  async #signal(signal) {
    const child = this.#child;
    if (child === undefined) return;
    this.#forget();
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    process.kill(/** @type {number} */ (child.pid), signal);
    // A stopped process acts on SIGTERM only once it runs again.
    if (signal === 'SIGTERM') process.kill(/** @type {number} */ (child.pid), 'SIGCONT');
    await exited;
  }

  /**
   * Kills the child if this process exits first, so no redis-server outlives its test or benchmark.
   * @param {import('node:child_process').ChildProcess} child
   */
  #hook(child) {
    if (!this.#killOnExit && !this.#exitOnSignal) return;
    const killNow = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const onSignal = () => {
      killNow();
      process.exit(0);
    };
    process.once('exit', killNow);
    if (this.#exitOnSignal) for (const sig of /** @type {const} */ (['SIGTERM', 'SIGINT'])) process.once(sig, onSignal);
    this.#unhook = () => {
      process.removeListener('exit', killNow);
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
    };
  }

  #forget() {
    this.#child = undefined;
    this.#unhook?.();
    this.#unhook = undefined;
  }
}

/**
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function answersPing(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
  });
}
