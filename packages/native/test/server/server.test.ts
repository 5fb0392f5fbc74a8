import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Server, type ServerSocket } from '../../src/server/server.js';
import { closed, nextMessage, openClient, waitFor } from '../support/app-harness.js';
import { transportKinds } from '../support/transports.js';

describe.each(transportKinds)('Server (%s)', (transport) => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  const start = async (options: Partial<ConstructorParameters<typeof Server>[0] & object> = {}) => {
    const s = new Server({ port: 0, host: '127.0.0.1', transport, ...options });
    await once(s, 'listening');
    server = s;
    return { s, url: `ws://127.0.0.1:${s.port}` };
  };

  it('emits connection, message (a copied Buffer) and close; send and user data', async () => {
    const { s, url } = await start();
    const kept: Buffer[] = [];
    s.on('connection', (socket) => {
      s.setUserData(socket, { n: 0 });
      s.send(socket, 'welcome');
    });
    s.on('message', (socket, message, binary) => {
      kept.push(message);
      const data = s.getUserData(socket) as { n: number };
      data.n++;
      s.send(socket, `${binary ? 'bin' : 'txt'}:${message.toString()}:${data.n}`);
    });
    const closes: number[] = [];
    s.on('close', (_socket, code) => closes.push(code));
    const ws = new WebSocket(url);
    expect((await nextMessage(ws)).data.toString()).toBe('welcome');
    let reply = nextMessage(ws);
    ws.send('a');
    expect((await reply).data.toString()).toBe('txt:a:1');
    reply = nextMessage(ws);
    ws.send(Buffer.from('b'));
    expect((await reply).data.toString()).toBe('bin:b:2');
    expect(kept.map((b) => b.toString())).toEqual(['a', 'b']); // still valid after the handler
    ws.close(4000);
    await waitFor(() => closes.length === 1);
    expect(closes).toEqual([4000]);
    expect(s.clientCount).toBe(0);
  });

  it('broadcasts to every connection', async () => {
    const { s, url } = await start();
    const clients = await Promise.all([1, 2, 3].map(() => openClient(url)));
    await waitFor(() => s.clientCount === 3);
    const replies = clients.map((c) => nextMessage(c));
    s.broadcast('to all');
    for (const r of await Promise.all(replies)) expect(r.data.toString()).toBe('to all');
    const bin = clients.map((c) => nextMessage(c));
    s.broadcast(Buffer.from([1, 2]));
    for (const r of await Promise.all(bin)) expect(r).toEqual({ data: Buffer.from([1, 2]), isBinary: true });
    for (const c of clients) c.close();
  });

  it('compresses with perMessageDeflate and limits maxPayload', async () => {
    const { s, url } = await start({ perMessageDeflate: true, maxPayload: 4096 });
    s.on('message', (socket, message) => s.send(socket, message.toString().repeat(2)));
    const ws = await openClient(url, { perMessageDeflate: true });
    expect(ws.extensions).toContain('permessage-deflate');
    const reply = nextMessage(ws);
    ws.send('z'.repeat(2000));
    expect((await reply).data.toString()).toBe('z'.repeat(4000));
    const done = closed(ws);
    ws.send('z'.repeat(5000));
    expect((await done).code).toBe(1009);
  });

  it('accepts only its path', async () => {
    const { url } = await start({ path: '/only' });
    const ok = await openClient(`${url}/only`);
    ok.close();
    const refused = new WebSocket(`${url}/other`);
    const [, res] = (await once(refused, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(res.statusCode).toBe(404);
  });

  it("close() closes every socket ('close' for each); send to a closed socket throws", async () => {
    const { s, url } = await start();
    let socket: ServerSocket | undefined;
    s.on('connection', (ws) => (socket = ws));
    const ws = await openClient(url);
    await waitFor(() => socket !== undefined);
    const closes: number[] = [];
    s.on('close', (_socket, code) => closes.push(code));
    const done = closed(ws);
    s.close();
    expect(closes).toEqual([1006]);
    await done;
    expect(() => s.send(socket!, 'late')).toThrow(/closed/);
    server = undefined;
  });

  it("emits 'error' when it cannot listen", async () => {
    const { s } = await start();
    const second = new Server({ port: s.port, host: '127.0.0.1', transport });
    const [error] = (await once(second, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('EADDRINUSE');
    second.close();
  });
});
