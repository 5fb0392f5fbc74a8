import { once } from 'node:events';
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChatServer } from '../src/chat-server.mjs';
import { connectChat } from './chat-client.mjs';

describe('demo chat server', () => {
  let server;
  let port;
  const clients = [];

  beforeEach(async () => {
    server = createChatServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = server.address().port;
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await new Promise((r) => server.close(r));
  });

  it('serves the chat page over plain HTTP and 404s elsewhere', async () => {
    const get = (path) =>
      new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode, body }));
        }).on('error', reject);
      });
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('new WebSocket');
    expect((await get('/nope')).status).toBe(404);
  });

  it('broadcasts each message to every member, compressed or not', async () => {
    const a = await connectChat(port);
    clients.push(a);
    expect(a.extensions).toContain('permessage-deflate');
    await a.waitFor(1); // its own join notice
    const b = await connectChat(port, { perMessageDeflate: false });
    clients.push(b);
    await a.waitFor(2);
    await b.waitFor(1);
    const long = 'x'.repeat(1000); // above the demo's compression threshold
    a.send('hello from a');
    b.send(long);
    const seenByA = await a.waitFor(4);
    const seenByB = await b.waitFor(3);
    expect(seenByA.slice(2)).toEqual(['hello from a', long]);
    expect(seenByB.slice(1)).toEqual(['hello from a', long]);
  });

  it('answers the close handshake and drops the member', async () => {
    const a = await connectChat(port);
    clients.push(a);
    await a.waitFor(1);
    a.close();
    await once(a.socket, 'close');
    expect(a.conn.state).toBe('closed');
    expect(server.members.size).toBe(0);
  });

  it('rejects a bad upgrade with 400 and an oversized message with 1009', async () => {
    const res = await new Promise((resolve) => {
      const req = http.get({
        host: '127.0.0.1',
        port,
        path: '/chat',
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'short' },
      });
      req.on('response', resolve);
    });
    expect(res.statusCode).toBe(400);

    const a = await connectChat(port);
    clients.push(a);
    await a.waitFor(1);
    a.send('y'.repeat(5000));
    await once(a.socket, 'close');
    expect(a.conn.closeCode).toBe(1009);
  });
});
