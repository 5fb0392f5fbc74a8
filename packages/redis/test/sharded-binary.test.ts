import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess, Client, waitFor } from './support/app-processes.js';
import { RedisServer, redisSkipReason } from '@uws/test-services/redis-server';

describe.skipIf(redisSkipReason('the Redis tests of @uws/redis'))('RedisBroker: sharded pub/sub (SSUBSCRIBE/SPUBLISH) and binary messages, real redis-server', () => {
  let redis: RedisServer;
  let apps: AppProcess[] = [];
  let clients: Client[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    apps = await Promise.all([AppProcess.start(redis.url, 's1', { sharded: true }), AppProcess.start(redis.url, 's2', { sharded: true })]);
    clients = await Promise.all([Client.open(apps[0].port), Client.open(apps[1].port)]);
    for (const c of clients) await c.command('sub feed');
    await waitFor(async () => ((await redis.command('PUBSUB', 'SHARDNUMSUB', 'uws:feed')) as [string, number])[1] === 2, 10_000, 'two shard subscriptions');
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await Promise.all(apps.map((a) => a.stop()));
    await redis?.kill();
  });

  it('crosses processes on shard channels, binary frames staying binary', async () => {
    const binaries: boolean[] = [];
    clients[1].ws.on('message', (_d, isBinary: boolean) => binaries.push(isBinary));
    await apps[0].ask({ cmd: 'publish', topic: 'feed', count: 20, binary: true, drainEvery: 5 }, 'published');
    await apps[0].ask({ cmd: 'publish', topic: 'feed', count: 5, drainEvery: 5 }, 'published');
    await waitFor(() => clients[1].from('s1').length === 25, 10_000, 'remote deliveries');
    expect(clients[1].from('s1')).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(binaries).toEqual([...Array<boolean>(20).fill(true), ...Array<boolean>(5).fill(false)]);
    expect(clients[0].from('s1')).toHaveLength(25); // local
    // Plain channels are untouched: sharded pub/sub is its own namespace.
    expect(await redis.command('PUBSUB', 'NUMSUB', 'uws:feed')).toEqual(['uws:feed', 0]);
    await clients[1].command('unsub feed');
    await waitFor(async () => ((await redis.command('PUBSUB', 'SHARDNUMSUB', 'uws:feed')) as [string, number])[1] === 1, 5000, 'shard unsubscribe');
  });
});
