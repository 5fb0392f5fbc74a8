// The Redis broker of the "App (epoll) + RedisBroker" fan-out row: a redis-server of its own
// (started here, stopped when the benchmark server exits) and a RedisBroker on it. Nothing else
// subscribes: every publish also goes to Redis and comes back to this broker, which skips it.
import { RedisBroker } from '@uws/redis';
import { RedisServer } from '@uws/test-services/redis-server';

export async function startRedisForBench() {
  const redis = await RedisServer.start({ exitOnSignal: true });
  const broker = new RedisBroker({ url: redis.url });
  broker.on('error', (e) => console.error(`redis broker: ${e.message}`));
  await broker.ready();
  return { broker, detail: ' broker=redis' };
}
