import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import RealWS from 'ws';
import { WebSocketServer, WebSocket } from '../src/index.js';

describe('smoke', () => {
  for (const transport of ['epoll', 'node'] as const) {
    it(`echo over ${transport}`, async () => {
      const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', transport });
      await once(wss, 'listening');
      wss.on('connection', (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
      const port = (wss.address() as { port: number }).port;
      const c = new RealWS(`ws://127.0.0.1:${port}`);
      await once(c, 'open');
      c.send('hello');
      const [m, b] = await once(c, 'message');
      expect(m.toString()).toBe('hello');
      expect(b).toBe(false);
      c.close(1000, 'bye');
      const [code, reason] = await once(c, 'close');
      expect(code).toBe(1000);
      expect(reason.toString()).toBe('bye');
      const ours = new WebSocket(`ws://127.0.0.1:${port}`, { transport });
      await once(ours, 'open');
      ours.send(Buffer.from([1, 2, 3]));
      const [m2, b2] = await once(ours, 'message');
      expect([...m2]).toEqual([1, 2, 3]);
      expect(b2).toBe(true);
      ours.close(4000, 'x');
      const [c2, r2] = await once(ours, 'close');
      expect([c2, r2.toString()]).toEqual([4000, 'x']);
      await new Promise<void>((r) => wss.close(() => r()));
    });
  }
});
