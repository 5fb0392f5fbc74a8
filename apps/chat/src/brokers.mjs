/**
 * The broker a chat App shares its rooms through, from the settings: a RedisBroker when a Redis
 * URL is given (processes and machines), else a ThreadBroker on the pool's channel (worker
 * threads of one process), else none (one process: the embedded default).
 */

/**
 * @param {{ redis?: string, channel?: string }} where
 * @returns {Promise<import('@uws/native').Broker | undefined>}
 */
export async function makeBroker(where) {
  if (where.redis !== undefined) {
    // Loaded only when asked for: the embedded default needs no Redis client.
    const { RedisBroker } = await import('@uws/redis');
    return new RedisBroker({ url: where.redis });
  }
  if (where.channel !== undefined) {
    const { ThreadBroker } = await import('@uws/native');
    return new ThreadBroker({ channel: where.channel });
  }
  return undefined;
}
