/**
 * `withNativeFanout(RedisAdapter)`: two Socket.IO servers on native engines share rooms
 * through a real redis-server (started here on a free loopback port); each delivers to its own
 * websocket clients natively.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { RedisAdapter } from '@socket.io/redis-adapter';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import type { Socket } from 'socket.io';
import { type StartedIo, delay, once, startIo } from '../engine/engine-harness.js';
import { withNativeFanout } from '../../src/index.js';
import { RedisServer, redisSkipReason } from '@uws/test-services/redis-server';

describe.skipIf(redisSkipReason('the Redis adapter tests of @uws/socketio') !== undefined)('withNativeFanout over @socket.io/redis-adapter', () => {
  let redis: RedisServer | undefined;
  const servers: StartedIo[] = [];
  const redisClients: Array<{ quit(): Promise<unknown> }> = [];
  const clients: ClientSocket[] = [];

  beforeAll(async () => {
    // Resolves once it accepts connections; under CI=true a missing redis-server throws here.
    redis = await RedisServer.start();
    const Fanout = withNativeFanout(RedisAdapter);
    for (let i = 0; i < 2; i++) {
      const pub = createClient({ url: redis.url });
      const sub = pub.duplicate();
      await Promise.all([pub.connect(), sub.connect()]);
      redisClients.push(pub, sub);
      // socket.io calls `new adapter(nsp)`: a function (not an arrow) that returns the instance.
      const adapter = function (nsp: unknown) {
        return new (Fanout as unknown as new (...args: unknown[]) => object)(nsp, pub, sub, {});
      };
      servers.push(await startIo({}, { adapter: adapter as never }));
    }
  });

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const s of servers) await s.close();
    for (const c of redisClients) await c.quit().catch(() => {});
    await redis?.stop();
  });

  it('delivers a room broadcast from either node to the clients of both, natively on each', async () => {
    const sides: Array<[ClientSocket, Socket]> = [];
    for (const [i, transports] of [[0, ['websocket']], [1, ['websocket']], [1, ['polling']], [0, ['websocket']]] as const) {
      const serverSide = once<[Socket]>(servers[i].io, 'connection');
      const c = ioc(servers[i].url, { forceNew: true, reconnection: false, transports: [...transports] });
      clients.push(c);
      const [s] = await serverSide;
      if (!c.connected) await once(c, 'connect');
      sides.push([c, s]);
    }
    void sides[0][1].join('r');
    void sides[1][1].join('r');
    void sides[2][1].join('r');
    void sides[3][1].join('other');
    const got = sides.map(() => [] as string[]);
    sides.forEach(([c], i) => c.on('m', (x: string) => got[i].push(x)));
    let flushes = 0;
    for (const s of servers) s.engine.on('flush', () => flushes++);
    await delay(50);
    servers[0].io.to('r').emit('m', 'from node 0');
    servers[1].io.to('r').emit('m', 'from node 1');
    await delay(200);
    // Between two nodes there is no order (the local one delivers before Redis does).
    expect(got.map((g) => [...g].sort())).toEqual([['from node 0', 'from node 1'], ['from node 0', 'from node 1'], ['from node 0', 'from node 1'], []]);
    // Only the polling client's deliveries went through an engine's write path.
    expect(flushes).toBeLessThanOrEqual(2);
  });
});
