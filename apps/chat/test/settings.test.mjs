import { describe, expect, it } from 'vitest';
import { readSettings } from '../src/settings.mjs';

describe('readSettings (flags over environment over defaults)', () => {
  it('defaults to one process on 127.0.0.1:3000, no broker', () => {
    expect(readSettings([], {})).toEqual({ host: '127.0.0.1', port: 3000, transport: 'auto', redis: undefined, workers: 1 });
  });

  it('reads the environment, and flags win over it (--flag value and --flag=value)', () => {
    const env = { REDIS_URL: 'redis://10.0.0.5:6379', WORKERS: '4', PORT: '8080', HOST: '0.0.0.0', UWS_TRANSPORT: 'node' };
    expect(readSettings([], env)).toEqual({ host: '0.0.0.0', port: 8080, transport: 'node', redis: 'redis://10.0.0.5:6379', workers: 4 });
    expect(readSettings(['--workers', '2', '--redis=rediss://r:6380', '--port', '0'], env)).toMatchObject({ workers: 2, redis: 'rediss://r:6380', port: 0 });
  });

  it('refuses what it cannot use, with the usage line', () => {
    expect(() => readSettings(['--workers', '0'], {})).toThrow(/workers must be an integer >= 1, got 0\nusage: chat/);
    expect(() => readSettings([], { WORKERS: 'many' })).toThrow(/workers must be an integer >= 1, got many/);
    expect(() => readSettings(['--redis', 'localhost:6379'], {})).toThrow(/--redis takes a redis:\/\/ or rediss:\/\/ URL, got localhost:6379/);
    expect(() => readSettings(['--redis'], {})).toThrow(/--redis needs a value/);
    expect(() => readSettings(['--port', '70000'], {})).toThrow(/port must be 0..65535/);
    expect(() => readSettings(['--transport', 'udp'], {})).toThrow(/transport is auto, epoll or node/);
    expect(() => readSettings(['--verbose'], {})).toThrow(/unknown argument --verbose/);
  });
});
