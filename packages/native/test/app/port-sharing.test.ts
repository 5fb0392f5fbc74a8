import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { App, type TemplatedApp } from '../../src/app/app.js';
import { closed, nextMessage, openClient } from '../support/app-harness.js';
import { clientFrame, rawConnect, readUntil, upgradeRequest } from '../support/raw-socket.js';
import { transportKinds } from '../support/transports.js';

describe.each(transportKinds)('App sharing a port with an http.Server (%s)', (transport) => {
  let server: http.Server | undefined;
  let app: TemplatedApp | undefined;

  afterEach(async () => {
    app?.close();
    if (server !== undefined) await new Promise((r) => server!.close(r));
    server = app = undefined;
  });

  async function start(): Promise<number> {
    const opened: string[] = [];
    app = App({ transport }).ws<{ path: string }>('/ws/*', {
      upgrade: (res, req, context) => {
        res.upgrade(
          { path: req.getUrl() },
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (ws) => opened.push(ws.getUserData().path),
      message: (ws, message, isBinary) => {
        ws.send(`${ws.getUserData().path}:${Buffer.from(message).toString()}`, isBinary);
      },
    });
    server = http.createServer((req, res) => res.end(`http says hi to ${req.url}`));
    server.on('upgrade', (req, socket, head) => app!.handleUpgrade(req, socket, head));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  }

  it('answers plain HTTP itself and hands WebSocket upgrades to the App', async () => {
    const port = await start();
    const body = await new Promise<string>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/page`, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(body).toBe('http says hi to /page');

    const clients = await Promise.all([1, 2, 3].map(() => openClient(`ws://127.0.0.1:${port}/ws/room`)));
    for (const [i, ws] of clients.entries()) {
      const reply = nextMessage(ws);
      ws.send(`hello ${i}`);
      expect((await reply).data.toString()).toBe(`/ws/room:hello ${i}`);
    }
    for (const ws of clients) {
      const done = closed(ws);
      ws.close(1000);
      expect((await done).code).toBe(1000);
    }
  });

  it('keeps frames that arrived in the same packet as the request head', async () => {
    const port = await start();
    const socket = await rawConnect(port);
    // The upgrade request and a masked text frame in one write: Node's parser hands the frame
    // to 'upgrade' as `head`, and it must reach the App.
    socket.write(Buffer.concat([Buffer.from(upgradeRequest('/ws/early')), clientFrame(0x1, Buffer.from('first'))]));
    const bytes = await readUntil(socket, (text) => text.includes('/ws/early:first'));
    expect(bytes.toString('latin1')).toContain('HTTP/1.1 101');
    socket.destroy();
  });

  it('answers 404 for an upgrade to a path the App has no route for', async () => {
    const port = await start();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/elsewhere`);
    ws.on('error', () => undefined); // ws reports the refused upgrade as an error too
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, http.IncomingMessage];
    expect(res.statusCode).toBe(404);
    ws.terminate();
  });
});
