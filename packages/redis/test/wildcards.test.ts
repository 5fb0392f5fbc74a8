import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globsFor } from '../src/channel-names.js';
import { AppProcess, Client, range, waitFor } from './support/app-processes.js';
import { RedisServer, redisSkipReason } from '@uws/test-services/redis-server';

describe('MQTT filters to Redis globs', () => {
  it('covers what the filter matches, escaping glob characters of literal levels', () => {
    expect(globsFor('uws:', 'room/+/chat')).toEqual(['uws:room/*/chat']);
    // `a/#` matches `a` itself too (MQTT 3.1.1 §4.7.1.2): a second, exact pattern.
    expect(globsFor('uws:', 'a/#')).toEqual(['uws:a/*', 'uws:a']);
    expect(globsFor('uws:', '#')).toEqual(['uws:*']);
    expect(globsFor('p*', 'x?/[y]/+')).toEqual(['p\\*x\\?/\\[y\\]/*']);
  });
});

describe.skipIf(redisSkipReason('the Redis tests of @uws/redis'))('RedisBroker with wildcard topics (PSUBSCRIBE), real redis-server', () => {
  let redis: RedisServer;
  let apps: AppProcess[] = [];
  let clients: Client[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    apps = await Promise.all(['w1', 'w2'].map((n) => AppProcess.start(redis.url, n, { app: { wildcardTopics: true } })));
    clients = await Promise.all([Client.open(apps[0].port), Client.open(apps[1].port)]);
    // On w2: an exact topic and two patterns that all match room/1.
    for (const f of ['room/1', 'room/+', 'room/#']) await clients[1].command(`sub ${f}`);
    await waitFor(async () => (await redis.command('PUBSUB', 'NUMPAT')) === 2, 10_000, 'pattern subscriptions'); // globs room/* (both patterns) and room (for room/#)
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await Promise.all(apps.map((a) => a.stop()));
    await redis?.kill();
  });

  it('a socket matched by its exact topic and two patterns gets each remote message once', async () => {
    await apps[0].ask({ cmd: 'publish', topic: 'room/1', count: 20, drainEvery: 5 }, 'published');
    await apps[0].ask({ cmd: 'publish', topic: 'room', count: 1 }, 'published'); // room/# matches room
    await apps[0].ask({ cmd: 'publish', topic: 'roomy/1', count: 1 }, 'published'); // nothing matches
    await waitFor(() => clients[1].from('w1').length >= 21, 10_000, 'deliveries');
    await new Promise((r) => setTimeout(r, 200));
    expect(clients[1].from('w1')).toEqual(range(0, 21));
  });

  it('unsubscribing the patterns removes them from Redis', async () => {
    await clients[1].command('unsub room/+');
    await clients[1].command('unsub room/#');
    await waitFor(async () => (await redis.command('PUBSUB', 'NUMPAT')) === 0, 5000, 'patterns gone');
    expect(await redis.command('PUBSUB', 'NUMSUB', 'uws:room/1')).toEqual(['uws:room/1', 1]);
  });
});
