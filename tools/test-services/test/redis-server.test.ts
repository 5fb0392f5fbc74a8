/** The launcher against the real redis-server: start, command, restart on the same port, pause, stop, kill. */
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisServer, redisSkipReason } from '@uws/test-services/redis-server';

const pingWithin = (port: number, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => (socket.destroy(), resolve(false)), ms);
    socket.once('error', () => (clearTimeout(timer), resolve(false)));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => (clearTimeout(timer), socket.destroy(), resolve(d.toString().startsWith('+PONG'))));
  });

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(redisSkipReason('the redis-server launcher test of @uws/test-services'))('RedisServer (real redis-server)', () => {
  let redis: RedisServer | undefined;
  afterAll(async () => {
    await redis?.kill();
  });

  it('starts on a free loopback port with persistence off and answers commands', async () => {
    redis = await RedisServer.start();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(alive(redis.pid!)).toBe(true);
    expect(await redis.command('SET', 'k', 'välue')).toBe('OK');
    expect(await redis.command('GET', 'k')).toBe('välue');
    expect(await redis.command('CONFIG', 'GET', 'save')).toEqual(['save', '']);
    expect(await redis.command('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'no']);
    expect(await redis.command('CONFIG', 'GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    const err = await redis.command('NOSUCHCOMMAND');
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^ERR unknown command/);
  });

  it('pause stops it answering while the port stays open; resume brings it back', async () => {
    redis!.pause();
    expect(await pingWithin(redis!.port, 300)).toBe(false);
    redis!.resume();
    expect(await pingWithin(redis!.port, 2000)).toBe(true);
  });

  it('kill (SIGKILL) and start again: the same port, a new process, empty', async () => {
    const { port, pid } = redis!;
    await redis!.kill();
    expect(redis!.pid).toBeUndefined();
    expect(alive(pid!)).toBe(false);
    expect(await pingWithin(port, 300)).toBe(false);
    await redis!.start();
    expect(redis!.port).toBe(port);
    expect(redis!.pid).not.toBe(pid);
    expect(await redis!.command('GET', 'k')).toBeNull();
    await expect(redis!.start()).rejects.toThrow('redis-server is already running');
  });

  it('stop (SIGTERM) ends it, even while paused', async () => {
    const pid = redis!.pid!;
    redis!.pause();
    await redis!.stop();
    expect(alive(pid)).toBe(false);
    expect(() => redis!.pause()).toThrow('redis-server is not running');
    await redis!.stop(); // idempotent
  });

  it('starts on a given port', async () => {
    const first = await RedisServer.start();
    const port = first.port;
    await first.stop();
    redis = await RedisServer.start({ port });
    expect(redis.port).toBe(port);
    expect(await redis.command('PING')).toBe('PONG');
  });
});
