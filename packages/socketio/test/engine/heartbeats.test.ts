/**
 * Heartbeats of many websocket sessions on the shared timer lists: sessions that answer stay
 * open through several ping rounds, a silent one (a raw websocket that never answers a ping)
 * is closed with "ping timeout" after pingInterval + pingTimeout, and closed sessions leave
 * no heartbeat behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Socket as EioClient } from 'engine.io-client';
import { createRequire } from 'node:module';
import { type Started, delay, once, startEngine } from './engine-harness.js';
import type { EngineSocket } from '../../src/index.js';

// The ws client engine.io-client runs on (a raw websocket that never answers a ping).
const eioRequire = createRequire(createRequire(import.meta.url).resolve('engine.io-client'));
interface RawSocket {
  on(event: 'message', cb: (data: Buffer) => void): void;
  once(event: string, cb: (...args: unknown[]) => void): void;
  close(): void;
}
const WebSocket = eioRequire('ws') as new (url: string) => RawSocket;

let server: Started | undefined;
const clients: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
});

describe('heartbeats on shared timers', () => {
  it('keeps answering sessions open and closes the silent one with "ping timeout"', async () => {
    server = await startEngine({ pingInterval: 60, pingTimeout: 40, transports: ['websocket'] });
    const sessions: EngineSocket[] = [];
    server.engine.on('connection', (s: EngineSocket) => sessions.push(s));
    const pings = new Map<EngineSocket, number>();
    const answering = Array.from({ length: 5 }, () => {
      const c = new EioClient(server!.url, { transports: ['websocket'] });
      clients.push(c);
      return once(c, 'open');
    });
    await Promise.all(answering);
    for (const s of sessions) s.on('heartbeat', () => pings.set(s, (pings.get(s) ?? 0) + 1));

    const silent = new WebSocket(`${server.url.replace('http', 'ws')}/engine.io/?EIO=4&transport=websocket`);
    clients.push(silent);
    const frames: string[] = [];
    silent.on('message', (data: Buffer) => frames.push(String(data)));
    await once(silent, 'open');
    while (sessions.length < 6) await delay(5);
    const silentSession = sessions[5];
    const started = Date.now();
    const [reason] = await once<[string]>(silentSession, 'close');
    expect(reason).toBe('ping timeout');
    // Pinged after pingInterval, then given pingTimeout to answer.
    expect(Date.now() - started).toBeGreaterThanOrEqual(60 + 40 - 5);
    expect(frames[0]?.startsWith('0{')).toBe(true);
    expect(frames).toContain('2');

    await delay(250); // several more ping rounds
    for (const s of sessions.slice(0, 5)) {
      expect(s.readyState).toBe('open');
      expect(pings.get(s)).toBeGreaterThanOrEqual(3);
    }
    expect(server.engine.clientsCount).toBe(5);
  });
});
