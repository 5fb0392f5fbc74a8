/**
 * A real redis-server (Debian's `redis-server` package) started by the tests themselves on
 * 127.0.0.1, a free port or a given one, persistence off, stopped by its PID.
 */

/** How to install it: "apt-get install redis-server". */
export declare const REDIS_INSTALL: string;

/** The redis-server on PATH, or undefined. */
export declare function findRedisServer(): string | undefined;

/**
 * Why `suite` is skipped here (also printed with console.warn), or undefined when it runs:
 * redis-server is on PATH, or CI=true (then `RedisServer.start()` throws and the tests fail).
 * Use: `describe.skipIf(redisSkipReason('the Redis tests of @uws/redis'))(...)`.
 */
export declare function redisSkipReason(suite: string): string | undefined;

export interface RedisServerOptions {
  /** The port to listen on (127.0.0.1). Default: a free port. */
  port?: number;
  /** SIGKILL the redis-server when this process exits first. Default: true. */
  killOnExit?: boolean;
  /** On SIGTERM / SIGINT to this process: kill the redis-server, then exit(0). For benchmark scripts. Default: false. */
  exitOnSignal?: boolean;
}

export declare class RedisServer {
  /** The TCP port on 127.0.0.1, kept across restarts. */
  readonly port: number;
  /** Does not start it: call `start()`, or use the static `RedisServer.start()`. */
  constructor(port: number, options?: Omit<RedisServerOptions, 'port'>);
  /** Starts one (a free port unless `options.port`) and resolves once it answers PING (10 s at most). */
  static start(options?: RedisServerOptions): Promise<RedisServer>;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** The PID of the running redis-server, undefined while stopped. */
  readonly pid: number | undefined;
  /** Starts (or restarts on the same port, empty) and resolves once it answers PING. */
  start(): Promise<void>;
  /** SIGTERM by PID (a clean shutdown; a paused server is resumed first) and waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL by PID (no shutdown: the way a crash looks to clients) and waits for the exit. */
  kill(): Promise<void>;
  /** SIGSTOP: a Redis that stops answering while its connections stay open. */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /**
   * Runs one command on a fresh connection; resolves with the reply (strings, numbers, null,
   * arrays; an error reply resolves as an Error value).
   */
  command(...args: string[]): Promise<unknown>;
}
