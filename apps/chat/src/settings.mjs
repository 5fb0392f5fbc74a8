/**
 * How the chat server is started: command-line flags first, then environment variables, then
 * defaults.
 *
 *   --host H      HOST           address to listen on (default 127.0.0.1)
 *   --port P      PORT           port (default 3000; 0: a free one)
 *   --transport T UWS_TRANSPORT  'auto' | 'epoll' | 'node' (default auto)
 *   --redis URL   REDIS_URL      share rooms with every chat process on this Redis (default: none)
 *   --workers N   WORKERS        N worker threads on one port sharing rooms (default: 1, no threads)
 */

/**
 * @typedef {{ host: string, port: number, transport: 'auto' | 'epoll' | 'node', redis: string | undefined, workers: number }} Settings
 */

const USAGE = 'usage: chat [--host H] [--port P] [--transport auto|epoll|node] [--redis redis://host:port] [--workers N]';

/**
 * @param {string[]} argv the arguments after the script
 * @param {Record<string, string | undefined>} env
 * @returns {Settings}
 * @throws {Error} with a usage line, for an unknown flag or a bad value
 */
export function readSettings(argv, env) {
  /** @type {Record<string, string | undefined>} */
  const given = {
    host: env.HOST,
    port: env.PORT,
    transport: env.UWS_TRANSPORT,
    redis: env.REDIS_URL,
    workers: env.WORKERS,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = /** @type {string} */ (argv[i]);
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const key = flag.startsWith('--') ? flag.slice(2) : '';
    if (!(key in given)) throw new Error(`unknown argument ${arg}\n${USAGE}`);
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    given[key] = value;
  }
  const port = Number(given.port ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port must be 0..65535, got ${given.port}\n${USAGE}`);
  const workers = Number(given.workers ?? 1);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be an integer >= 1, got ${given.workers}\n${USAGE}`);
  const transport = given.transport ?? 'auto';
  if (transport !== 'auto' && transport !== 'epoll' && transport !== 'node') throw new Error(`transport is auto, epoll or node, got ${transport}\n${USAGE}`);
  const redis = given.redis === '' ? undefined : given.redis;
  if (redis !== undefined && !/^rediss?:\/\//.test(redis)) throw new Error(`--redis takes a redis:// or rediss:// URL, got ${redis}\n${USAGE}`);
  return { host: given.host ?? '127.0.0.1', port, transport, redis, workers };
}
