import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess, Client, range, waitFor } from './support/app-processes.js';
import { RedisServer, redisSkipReason } from '@uws/test-services/redis-server';

const numsub = async (redis: RedisServer, channel: string): Promise<number> => ((await redis.command('PUBSUB', 'NUMSUB', channel)) as [string, number])[1];

describe.skipIf(redisSkipReason('the Redis tests of @uws/redis'))('RedisBroker: three App processes on one real redis-server', () => {
  let redis: RedisServer;
  let apps: AppProcess[] = [];
  let clients: Client[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    // p3 queues at most 5 publishes while Redis is away: the rest of an outage is dropped.
    apps = await Promise.all([
      AppProcess.start(redis.url, 'p1'),
      AppProcess.start(redis.url, 'p2'),
      AppProcess.start(redis.url, 'p3', { maxQueuedMessages: 5 }),
    ]);
    // Two subscribers per process, and one more on p1 in another room.
    clients = await Promise.all([0, 0, 1, 1, 2, 2, 0].map((i) => Client.open(apps[i].port)));
    for (const c of clients.slice(0, 6)) await c.command('sub room');
    await clients[6].command('sub other');
    await waitFor(async () => (await numsub(redis, 'uws:room')) === 3, 10_000, 'three Redis subscriptions');
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await Promise.all(apps.map((a) => a.stop()));
    await redis?.kill();
  });

  it('every subscriber on every process gets every message once, in publish order per publisher', async () => {
    // Paced by 5 (p3's queue bound): a burst past a publisher's bound is dropped by design.
    await Promise.all(apps.map((a) => a.ask({ cmd: 'publish', topic: 'room', count: 300, drainEvery: 5 }, 'published')));
    // ws.publish from a client of p2: everyone else, on every process.
    await clients[2].command('pub room from-socket');
    await waitFor(() => clients.slice(0, 6).every((c, i) => c.messages().length === 900 + (i === 2 ? 0 : 1)), 15_000, 'all deliveries');
    await new Promise((r) => setTimeout(r, 200)); // a duplicate would have arrived by now
    for (const [i, c] of clients.slice(0, 6).entries()) {
      for (const name of ['p1', 'p2', 'p3']) expect(c.from(name)).toEqual(range(0, 300));
      expect(c.messages().filter((m) => m === 'from-socket')).toHaveLength(i === 2 ? 0 : 1);
    }
    expect(clients[6].messages()).toEqual([]);
    for (const a of apps) {
      const s = await a.stats();
      expect(s.stats.dropped).toBe(0);
      expect(s.errors).toBe(0);
    }
  });

  it('survives Redis killed mid-stream and restarted: subscriptions come back by themselves, outage publishes are queued or counted as dropped', async () => {
    const droppedBefore = (await Promise.all(apps.map((a) => a.stats()))).map((s) => s.stats.dropped);
    // Publishing every 5 ms while Redis dies and comes back.
    const publishing = apps.map((a) => a.ask({ cmd: 'publish', topic: 'room', count: 60, intervalMs: 5 }, 'published'));
    await new Promise((r) => setTimeout(r, 60));
    await redis.kill();
    await waitFor(async () => (await Promise.all(apps.map((a) => a.stats()))).every((s) => !s.connected), 5000, 'brokers see Redis gone');
    await new Promise((r) => setTimeout(r, 150));
    await redis.start(); // same port, empty: no subscriptions until the brokers restore them
    await Promise.all(publishing);
    await waitFor(async () => (await Promise.all(apps.map((a) => a.stats()))).every((s) => s.connected), 10_000, 'brokers reconnected');
    await waitFor(async () => (await numsub(redis, 'uws:room')) === 3, 10_000, 'subscriptions restored');
    expect(await numsub(redis, 'uws:other')).toBe(1);
    for (const a of apps) expect(a.child.exitCode).toBe(null); // no crash

    const stats = await Promise.all(apps.map((a) => a.stats()));
    // p3 could queue only 5 publishes during the outage: the others of it are counted as dropped (and were 'drop' events).
    const dropped = stats.map((s, i) => (s.stats.dropped) - droppedBefore[i]);
    expect(dropped[2]).toBeGreaterThan(0);
    expect(stats[2].dropEvents).toBe(stats[2].stats.dropped);
    for (const s of stats) expect(s.errors).toBeGreaterThan(0); // the outage was reported
    // Each publisher's outage messages: delivered at most once, in order; locally always all.
    for (const [i, c] of clients.slice(0, 6).entries()) {
      for (const [j, name] of ['p1', 'p2', 'p3'].entries()) {
        const got = c.from(name).slice(300);
        expect(new Set(got).size).toBe(got.length);
        expect([...got].sort((x, y) => x - y)).toEqual(got);
        const local = Math.floor(i / 2) === j;
        if (local) expect(got).toEqual(range(300, 360));
        // What reached a remote subscriber was not dropped at its publisher.
        else expect(got.length).toBeLessThanOrEqual(60 - dropped[j] + 1);
      }
    }
    // Delivery resumes: everything published now reaches everyone, once.
    await Promise.all(apps.map((a) => a.ask({ cmd: 'publish', topic: 'room', count: 50, drainEvery: 5 }, 'published')));
    const last = (c: Client, name: string): number | undefined => c.from(name).at(-1);
    await waitFor(() => clients.slice(0, 6).every((c) => ['p1', 'p2', 'p3'].every((n) => last(c, n) === 409)), 15_000, 'deliveries after the restart');
    for (const c of clients.slice(0, 6)) for (const name of ['p1', 'p2', 'p3']) expect(c.from(name).slice(-50)).toEqual(range(360, 410));
  });

  it('an unsubscribe stops that process delivering; the last local unsubscribe removes the Redis subscription', async () => {
    const [a1, a2, b1, b2] = clients;
    await a1.command('unsub room');
    const mark = clients.map((c) => c.messages().length);
    await apps[1].ask({ cmd: 'publish', topic: 'room', count: 10, drainEvery: 5 }, 'published');
    await waitFor(() => [1, 2, 3, 4, 5].every((i) => clients[i].messages().length === mark[i] + 10), 10_000, 'deliveries');
    expect(a1.messages().length).toBe(mark[0]);
    expect(await numsub(redis, 'uws:room')).toBe(3); // p1 still has a2

    await a2.command('unsub room');
    await waitFor(async () => (await numsub(redis, 'uws:room')) === 2, 5000, 'p1 unsubscribed from Redis');
    // And back: the first local subscriber subscribes again.
    await a1.command('sub room');
    await waitFor(async () => (await numsub(redis, 'uws:room')) === 3, 5000, 'p1 subscribed again');
    // p2's subscribers close: their last close removes p2's channel.
    b1.ws.close();
    b2.ws.close();
    await waitFor(async () => (await numsub(redis, 'uws:room')) === 2, 5000, 'p2 unsubscribed on close');
    const channels = (await redis.command('PUBSUB', 'CHANNELS', 'uws:*')) as string[];
    expect(channels.sort()).toEqual(['uws:other', 'uws:room']);
  });

  it('a Redis that stops answering: publishes in flight stay within the bound, the rest are dropped and counted, local delivery goes on', async () => {
    const p3 = apps[2];
    const local = clients[4];
    const mark = local.messages().length;
    const before = (await p3.stats()).stats.dropped;
    redis.pause();
    try {
      await p3.ask({ cmd: 'publish', topic: 'room', count: 40 }, 'published');
      const s = await p3.stats();
      expect(s.queued).toBeLessThanOrEqual(5); // its maxQueuedMessages
      expect(s.stats.dropped - before).toBeGreaterThanOrEqual(35);
      await waitFor(() => local.messages().length === mark + 40, 5000, 'local delivery while Redis hangs');
    } finally {
      redis.resume();
    }
    await waitFor(async () => (await p3.stats()).queued === 0, 10_000, 'in-flight publishes answered');
  });
});
