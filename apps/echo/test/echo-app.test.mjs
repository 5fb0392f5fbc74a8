import { once } from 'node:events';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { us_socket_local_port } from '@uws/native';
import { createEchoApp } from '../src/echo-app.mjs';

describe('echo app', () => {
  let app;
  afterEach(() => app?.close());

  async function start() {
    app = createEchoApp();
    const token = await new Promise((resolve) => app.listen('127.0.0.1', 0, resolve));
    expect(token).toBeTruthy();
    return us_socket_local_port(token);
  }

  it('echoes text as text and binary as binary, compressed or not', async () => {
    const port = await start();
    for (const perMessageDeflate of [false, true]) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`, { perMessageDeflate });
      await once(ws, 'open');
      expect(ws.extensions.includes('permessage-deflate')).toBe(perMessageDeflate);
      const big = Buffer.alloc(200_000, 'abc');
      const cases = [['hello', false], [Buffer.from([0, 1, 2, 255]), true], [big, true]];
      for (const [data, binary] of cases) {
        const reply = once(ws, 'message');
        ws.send(data, { binary });
        const [echoed, isBinary] = await reply;
        expect(isBinary).toBe(binary);
        expect(Buffer.compare(echoed, Buffer.from(data))).toBe(0);
      }
      ws.close(1000);
      const [code] = await once(ws, 'close');
      expect(code).toBe(1000);
    }
  });

  it('serves the page that talks to it', async () => {
    const port = await start();
    const body = await new Promise((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/`, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(body).toContain('new WebSocket');
  });
});
