/**
 * The broker a chat App shares its rooms through, from the settings: a RedisBroker when a Redis
 * URL is given (processes and machines), else a ThreadBroker on the pool's channel (worker
 * threads of one process), else none (one process: the embedded default).
 */

/** How often a process says that it dropped messages for Redis, at most, in ms. */
const DROP_NOTICE_MS = 10_000;

/**
 * @param {{ redis?: string, channel?: string }} where
 * @returns {Promise<import('@uws/native').Broker | undefined>}
 */
export async function makeBroker(where) {
  if (where.redis !== undefined) {
    // Loaded only when asked for: the embedded default needs no Redis client.
    const { RedisBroker } = await import('@uws/redis');
    const broker = new RedisBroker({ url: where.redis });
    // Connection errors are process warnings already (once per distinct message); drops are
    // only counted: say so, at most once per DROP_NOTICE_MS.
    let noticed = 0;
    broker.on('drop', (count, reason) => {
      if (Date.now() - noticed < DROP_NOTICE_MS) return;
      noticed = Date.now();
      console.warn(`uws chat: ${count} message(s) to other processes dropped (${reason}); ${broker.stats.dropped} in all`);
    });
    return broker;
  }
  if (where.channel !== undefined) {
    const { ThreadBroker } = await import('@uws/native');
    return new ThreadBroker({ channel: where.channel });
  }
  return undefined;
}
