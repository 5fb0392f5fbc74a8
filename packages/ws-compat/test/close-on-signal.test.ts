/**
 * `wss.closeOnSignal()`: SIGTERM to a child process running a WebSocketServer: every client gets
 * its queued data then a 1001 close, every 'close' event fires, and the process then ends by
 * the signal (ws itself loses everything on SIGTERM).
 */
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startChildServer } from '@uws/test-services/child-server';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebSocketServer } from '../src/index.js';
import { kinds } from './support/helpers.js';

const MiB = 1024 * 1024;
const CLIENTS = 8;

const SIGNAL_SERVER = fileURLToPath(new URL('./fixtures/signal-server.mjs', import.meta.url));

describe.each(kinds)('WebSocketServer closeOnSignal (%s)', (transport) => {
  it('SIGTERM: every client gets its 2 MiB and "last", then 1001; the process ends by SIGTERM', async () => {
    const { child, port, output } = await startChildServer(SIGNAL_SERVER, [transport]);
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}`);
        await once(ws, 'open');
        return ws;
      }),
    );
    const results = clients.map(
      (ws) =>
        new Promise<{ bytes: number; last: string; code: number }>((resolve) => {
          let bytes = 0;
          let last = '';
          ws.on('message', (data: Buffer, isBinary) => {
            bytes += data.length;
            if (!isBinary) last = data.toString();
          });
          ws.on('close', (code) => resolve({ bytes, last, code }));
        }),
    );
    for (const ws of clients) {
      ws.pause();
      ws.send('go');
    }
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 4500));
    for (const ws of clients) ws.resume();
    expect(await Promise.all(results)).toEqual(Array.from({ length: CLIENTS }, () => ({ bytes: 2 * MiB + 4, last: 'last', code: 1001 })));
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
    expect(output()).toContain(`shutdown ${CLIENTS}\n`);
  }, 30_000);
});

describe('WebSocketServer closeOnSignal: options', () => {
  it('rejects a timeout that is not a positive number', () => {
    const wss = new WebSocketServer({ noServer: true });
    expect(() => wss.closeOnSignal({ timeout: -1 })).toThrow(/timeout must be a number > 0/);
    wss.close();
  });

  it('close() removes the signal handlers it installed', () => {
    const before = process.listenerCount('SIGTERM');
    const wss = new WebSocketServer({ noServer: true }).closeOnSignal();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    wss.close();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
