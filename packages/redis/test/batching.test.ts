import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, redisSkipReason } from '@uws/test-services/redis-server';
import { decodeEnvelope, encodeBatch, encodeEnvelope, envelopesOf } from '../src/envelope.js';
import { AppProcess, Client, range, waitFor } from './support/app-processes.js';

describe('batches of envelopes', () => {
  const origin = Buffer.from('01234567');
  it('reads a single envelope and a batch, in order, payloads as views', () => {
    const a = encodeEnvelope(origin, 7, 'héllo', false, false, false);
    const b = encodeEnvelope(origin, 8, Buffer.from([0, 1, 2]), true, true, true);
    expect(envelopesOf(a).map((e) => [e.seq, e.payload.toString()])).toEqual([[7, 'héllo']]);
    const batch = encodeBatch([a, b]);
    expect(batch[0]).toBe(2);
    const got = envelopesOf(batch);
    expect(got.map((e) => [e.seq, e.isBinary, e.compress, e.fromSocket, [...e.payload]])).toEqual([
      [7, false, false, false, [...Buffer.from('héllo')]],
      [8, true, true, true, [0, 1, 2]],
    ]);
    expect(got[0].origin.equals(origin)).toBe(true);
  });

  it('refuses a truncated or empty batch with a reason', () => {
    const a = encodeEnvelope(origin, 1, 'x', false, false, false);
    const batch = encodeBatch([a, a]);
    expect(() => envelopesOf(batch.subarray(0, batch.length - 1))).toThrow(/truncated uws batch: an envelope of 15 bytes, 14 left/);
    expect(() => envelopesOf(batch.subarray(0, 3))).toThrow(/truncated uws batch: 2 bytes left where a length is expected/);
    expect(() => envelopesOf(Buffer.from([2]))).toThrow(/empty uws batch/);
    expect(() => decodeEnvelope(Buffer.from([9, 0]))).toThrow(/fewer than the 14-byte header/);
  });
});

const publishCalls = async (redis: RedisServer): Promise<number> => {
  const info = String(await redis.command('INFO', 'commandstats'));
  return Number(/cmdstat_publish:calls=(\d+)/.exec(info)?.[1] ?? 0);
};

describe.skipIf(redisSkipReason('the Redis tests of @uws/redis'))('RedisBroker: one PUBLISH per task and topic, on a real redis-server', () => {
  let redis: RedisServer;
  let apps: AppProcess[] = [];
  let room: Client;
  let both: Client;

  beforeAll(async () => {
    redis = await RedisServer.start();
    apps = await Promise.all([AppProcess.start(redis.url, 'p1'), AppProcess.start(redis.url, 'p2')]);
    // On p2: one client in 'room', one in 'room' and 'other'.
    room = await Client.open(apps[1].port);
    both = await Client.open(apps[1].port);
    await room.command('sub room');
    await both.command('sub room');
    await both.command('sub other');
    await waitFor(async () => ((await redis.command('PUBSUB', 'NUMSUB', 'uws:room', 'uws:other')) as unknown[]).join() === 'uws:room,1,uws:other,1', 10_000, 'p2 subscribed');
  });

  afterAll(async () => {
    room?.ws.terminate();
    both?.ws.terminate();
    await Promise.all(apps.map((a) => a.stop()));
    await redis?.kill();
  });

  it('200 publishes to one topic in one task cross as one PUBLISH, every one delivered once, in order', async () => {
    const before = await publishCalls(redis);
    await apps[0].ask({ cmd: 'publish', topic: 'room', count: 200 }, 'published');
    await waitFor(() => room.from('p1').length === 200 && both.from('p1').length === 200, 10_000, '200 deliveries each');
    await new Promise((r) => setTimeout(r, 100)); // a duplicate would have arrived by now
    expect(room.from('p1')).toEqual(range(0, 200));
    expect(both.from('p1')).toEqual(range(0, 200));
    expect((await publishCalls(redis)) - before).toBe(1);
    const s = await apps[0].stats();
    expect(s.stats).toMatchObject({ published: 200, dropped: 0 });
    expect(s.errors).toBe(0);
  });

  it('a batch stays under 64 KiB: three 40 KiB messages in one task cross as three PUBLISH, whole and in order', async () => {
    const before = await publishCalls(redis);
    const pad = 40 * 1024;
    await apps[0].ask({ cmd: 'publish', topic: 'room', count: 3, pad }, 'published');
    await waitFor(() => room.from('p1').length === 203, 10_000, 'three large deliveries');
    expect(room.from('p1').slice(200)).toEqual([200, 201, 202]);
    for (const m of room.messages().slice(-3)) expect(m.length).toBe('p1:200|'.length + pad);
    expect((await publishCalls(redis)) - before).toBe(3);
  });

  it('a change of topic sends the batch before it: the publish order holds across topics', async () => {
    const before = await publishCalls(redis);
    // p1:203, 204, ... alternate between 'room' and 'other'.
    await apps[0].ask({ cmd: 'publish', topics: ['room', 'other'], count: 20 }, 'published');
    await waitFor(() => both.from('p1').length === 223 && room.from('p1').length === 213, 10_000, 'deliveries');
    expect(both.from('p1').slice(203)).toEqual(range(203, 223));
    expect(room.from('p1').slice(203)).toEqual(range(203, 223).filter((n) => n % 2 === 1));
    expect((await publishCalls(redis)) - before).toBe(20);
  });
});
