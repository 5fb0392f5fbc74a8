/**
 * Two Socket.IO processes with the wsEngine face and @socket.io/redis-adapter on one real
 * redis-server: a room broadcast reaches the room's clients on both nodes, and only them.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, redisSkipReason } from '@uws/test-services/redis-server';
import { connected, runCleanups, waitFor } from './harness.js';

const skipReason = redisSkipReason('the multi-node Socket.IO tests');

describe.skipIf(skipReason !== undefined)(`Socket.IO on two nodes over Redis${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let redis: RedisServer;
  const nodes: ChildProcess[] = [];
  const ports: number[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    for (let i = 0; i < 2; i++) {
      const node = fork(fileURLToPath(new URL('./redis-node.mjs', import.meta.url)), [redis.url], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      nodes.push(node);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          node.on('message', (m: { port?: number; error?: string }) => (m.port !== undefined ? resolve(m.port) : reject(new Error(m.error))));
          node.once('exit', (code) => reject(new Error(`node exited with ${code}`)));
        }),
      );
    }
  });

  afterAll(async () => {
    await runCleanups();
    await Promise.all(
      nodes.map(
        (node) =>
          new Promise<void>((resolve) => {
            if (node.exitCode !== null) return resolve();
            const timer = setTimeout(() => node.kill('SIGKILL'), 5000);
            node.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            node.send('stop');
          }),
      ),
    );
    await redis?.stop();
  });

  it('delivers a room broadcast to the room on both nodes (websocket and polling clients), with except', async () => {
    const join = (node: number, room: string, transports: Array<'websocket' | 'polling'>) =>
      connected(`http://127.0.0.1:${ports[node]}`, { transports, auth: { room } });
    const a1 = await join(0, 'r', ['websocket']);
    const a2 = await join(0, 'other', ['websocket']);
    const b1 = await join(1, 'r', ['websocket']);
    const b2 = await join(1, 'r', ['polling']);
    const b3 = await join(1, 'other', ['websocket']);
    const all: Array<[string, ClientSocket]> = [['a1', a1], ['a2', a2], ['b1', b1], ['b2', b2], ['b3', b3]];
    const got = new Map<string, string[]>(all.map(([name]) => [name, []]));
    for (const [name, c] of all) c.on('news', (m: string) => got.get(name)!.push(m));
    // The adapter subscribes to Redis asynchronously: warm up until node B hears node A.
    for (let i = 0; !got.get('b1')!.includes(`warm ${i - 1}`); i++) {
      if (i > 50) throw new Error('node B never heard node A through Redis');
      a1.emit('shout', 'r', `warm ${i}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const list of got.values()) list.length = 0;
    a1.emit('shout', 'r', 'from A');
    b3.emit('shout', 'r', 'from B');
    b1.emit('shout-except', 'r', 'r', 'nobody');
    a2.emit('shout', 'other', 'to other');
    await waitFor(() => ['a1', 'b1', 'b2'].every((n) => got.get(n)!.length === 2) && ['a2', 'b3'].every((n) => got.get(n)!.length === 1), 10_000, 'the broadcasts');
    await new Promise((r) => setTimeout(r, 200));
    for (const n of ['a1', 'b1', 'b2']) expect(got.get(n)!.sort()).toEqual(['from A', 'from B']);
    for (const n of ['a2', 'b3']) expect(got.get(n)).toEqual(['to other']);
  });
});
