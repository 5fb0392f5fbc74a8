/**
 * engine.io over HTTP long-polling, spoken raw (fetch) so bytes, statuses and error bodies
 * are checked exactly as engine.io 6 sends them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { gunzipSync, inflateSync } from 'node:zlib';
import { type Started, delay, once, pollingHandshake, startEngine } from './engine-harness.js';
import type { EngineSocket } from '../../src/index.js';

let server: Started | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function errorOf(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}

describe('handshake errors (engine.io codes and messages)', () => {
  it('answers each refused request with its code, message and connection_error', async () => {
    server = await startEngine({ allowRequest: (req, cb) => cb(req.headers['x-deny'] ? 'go away' : null, !req.headers['x-deny']) });
    const errors: Array<{ code: number; message: string; context: unknown }> = [];
    server.engine.on('connection_error', (e: { code: number; message: string; context: unknown }) => errors.push(e));
    const base = `${server.url}/engine.io/`;
    expect(await errorOf(`${base}?EIO=4&transport=carrier-pigeon`)).toEqual({ status: 400, body: { code: 0, message: 'Transport unknown' } });
    expect(await errorOf(`${base}?EIO=4&transport=polling&sid=nope`)).toEqual({ status: 400, body: { code: 1, message: 'Session ID unknown' } });
    expect(await errorOf(`${base}?EIO=4&transport=polling`, { method: 'POST', body: '4x' })).toEqual({
      status: 400,
      body: { code: 2, message: 'Bad handshake method' },
    });
    expect(await errorOf(`${base}?EIO=4&transport=websocket`)).toEqual({ status: 400, body: { code: 3, message: 'Bad request' } });
    expect(await errorOf(`${base}?EIO=4&transport=polling`, { headers: { 'x-deny': '1' } })).toEqual({ status: 403, body: { code: 4, message: 'go away' } });
    expect(await errorOf(`${base}?EIO=3&transport=polling`)).toEqual({ status: 400, body: { code: 5, message: 'Unsupported protocol version' } });
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      [0, 'Transport unknown'],
      [1, 'Session ID unknown'],
      [2, 'Bad handshake method'],
      [3, 'Bad request'],
      [4, 'Forbidden'],
      [5, 'Unsupported protocol version'],
    ]);
    expect(errors[0].context).toEqual({ transport: 'carrier-pigeon' });
    expect(errors[1].context).toEqual({ sid: 'nope' });
    expect(errors[3].context).toEqual({ name: 'TRANSPORT_HANDSHAKE_ERROR' });
  });

  it('refuses a polling request on a websocket session as TRANSPORT_MISMATCH', async () => {
    server = await startEngine();
    const { sid } = await pollingHandshake(server.url);
    const errors: Array<{ context: unknown }> = [];
    server.engine.on('connection_error', (e: { context: unknown }) => errors.push(e));
    const res = await fetch(`${server.url}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    expect(res.status).toBe(400);
    expect(errors[0].context).toEqual({ name: 'TRANSPORT_MISMATCH', transport: 'websocket', previousTransport: 'polling' });
  });
});

describe('polling sessions', () => {
  it('opens with the v4 open packet and exchanges \\x1e-separated payloads, binary as base64', async () => {
    server = await startEngine({ pingInterval: 300, pingTimeout: 200 });
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const { sid, open, res } = await pollingHandshake(server.url);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(open).toEqual({ sid, upgrades: ['websocket'], pingInterval: 300, pingTimeout: 200, maxPayload: 1e6 });
    const [socket] = await connected;
    expect(socket.id).toBe(sid);
    expect(socket.transport.name).toBe('polling');

    const received: unknown[] = [];
    socket.on('message', (m) => received.push(m));
    const post = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '4hello\x1ebAQID\x1e4wörld' });
    expect(post.status).toBe(200);
    expect(await post.text()).toBe('ok');
    expect(received).toEqual(['hello', Buffer.from([1, 2, 3]), 'wörld']);

    socket.send('one');
    socket.send(Buffer.from([255, 0]));
    socket.send('two');
    const poll = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`);
    expect(await poll.text()).toBe('4one\x1eb/wA=\x1e4two');
  });

  it('holds a GET until there is something to send, and answers pings with the session alive', async () => {
    server = await startEngine({ pingInterval: 100, pingTimeout: 1000 });
    const { sid } = await pollingHandshake(server.url);
    const started = Date.now();
    const poll = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`);
    expect(await poll.text()).toBe('2');
    expect(Date.now() - started).toBeGreaterThanOrEqual(80);
    const pong = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '3' });
    expect(pong.status).toBe(200);
    expect(server.engine.clientsCount).toBe(1);
  });

  it('closes a session whose client stops answering pings with "ping timeout"', async () => {
    server = await startEngine({ pingInterval: 50, pingTimeout: 50 });
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    await pollingHandshake(server.url);
    const [socket] = await connected;
    const [reason] = await once<[string]>(socket, 'close');
    expect(reason).toBe('ping timeout');
    expect(server.engine.clientsCount).toBe(0);
  });

  it('answers a POST over maxHttpBufferSize with 413 and closes the session with a transport error', async () => {
    server = await startEngine({ maxHttpBufferSize: 100 });
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const { sid } = await pollingHandshake(server.url);
    const [socket] = await connected;
    const closed = once<[string, Error]>(socket, 'close');
    const res = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: `4${'x'.repeat(200)}` });
    expect(res.status).toBe(413);
    const [reason, error] = await closed;
    expect(reason).toBe('transport error');
    expect(error.message).toBe('payload too large');
  });

  it('closes a session whose POST does not parse with "parse error" (and still answers the POST)', async () => {
    server = await startEngine();
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const { sid } = await pollingHandshake(server.url);
    const [socket] = await connected;
    const closed = once<[string]>(socket, 'close');
    const res = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: 'zzz\x1e4ok' });
    expect(res.status).toBe(200);
    expect((await closed)[0]).toBe('parse error');
  });

  it('refuses a binary body from a v4 client ("invalid content")', async () => {
    server = await startEngine();
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const { sid } = await pollingHandshake(server.url);
    const [socket] = await connected;
    const closed = once<[string, Error]>(socket, 'close');
    const res = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, {
      method: 'POST',
      body: new Uint8Array([4, 1]),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status).toBe(400);
    expect((await closed)[1].message).toBe('invalid content');
  });

  it('gzips a polling response over the threshold when the client accepts it, and not under it', async () => {
    server = await startEngine({ httpCompression: { threshold: 100 } });
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const { sid } = await pollingHandshake(server.url);
    const [socket] = await connected;
    const big = 'y'.repeat(2000);
    socket.send(big);
    // fetch would inflate on its own: read the raw bytes with node:http semantics via a raw Accept-Encoding.
    const { request } = await import('node:http');
    const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      request(`${server!.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { headers: { 'accept-encoding': 'gzip, deflate' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end();
    });
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(raw.body.length).toBeLessThan(200);
    expect(gunzipSync(raw.body).toString()).toBe(`4${big}`);
    socket.send(big);
    const deflated = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      request(`${server!.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { headers: { 'accept-encoding': 'deflate' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end();
    });
    expect(deflated.headers['content-encoding']).toBe('deflate');
    expect(inflateSync(deflated.body).toString()).toBe(`4${big}`);
    socket.send('small');
    const small = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(small.headers.get('content-encoding')).toBeNull();
    expect(await small.text()).toBe('4small');
  });
});

describe('options on the HTTP responses', () => {
  it('answers a CORS preflight and adds the CORS headers to polling responses', async () => {
    server = await startEngine({ cors: { origin: 'https://app.example', credentials: true } });
    const preflight = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const { res } = await pollingHandshake(server.url, undefined, { headers: { origin: 'https://app.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('vary')).toBe('Origin');
  });

  it('sets the session cookie on the handshake only, with engine.io defaults', async () => {
    server = await startEngine({ cookie: true });
    const { sid, res } = await pollingHandshake(server.url);
    expect(res.headers.get('set-cookie')).toBe(`io=${sid}; Path=/; HttpOnly; SameSite=Lax`);
    const poll = fetch(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`);
    server.engine.clients[sid].send('x');
    expect((await poll).headers.get('set-cookie')).toBeNull();
  });

  it('emits initial_headers on the handshake and headers on every response; both change the response', async () => {
    server = await startEngine();
    const seen: string[] = [];
    server.engine.on('initial_headers', (headers: Record<string, string>, req: { _query: { sid?: string } }) => {
      seen.push(`initial ${req._query.sid ?? ''}`);
      headers['x-initial'] = 'yes';
    });
    server.engine.on('headers', (headers: Record<string, string>, req: { _query: { sid?: string } }) => {
      seen.push(`headers ${req._query.sid ? 'sid' : ''}`);
      headers['x-every'] = 'yes';
    });
    const { sid, res } = await pollingHandshake(server.url);
    expect(res.headers.get('x-initial')).toBe('yes');
    expect(res.headers.get('x-every')).toBe('yes');
    const post = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '4a' });
    expect(post.headers.get('x-initial')).toBeNull();
    expect(post.headers.get('x-every')).toBe('yes');
    expect(seen).toEqual(['initial ', 'headers ', 'headers sid']);
  });

  it('takes session ids from a sync or async generateId, and refuses a failing one with ID_GENERATION_ERROR', async () => {
    let n = 0;
    server = await startEngine({ generateId: () => `sync-${++n}` });
    expect((await pollingHandshake(server.url)).sid).toBe('sync-1');
    await server.close();
    server = await startEngine({ generateId: async () => { await delay(5); return 'async-id'; } });
    expect((await pollingHandshake(server.url)).sid).toBe('async-id');
    await server.close();
    server = await startEngine({ generateId: () => Promise.reject(new Error('no ids today')) });
    const errors: Array<{ context: { name: string; error: Error } }> = [];
    server.engine.on('connection_error', (e: { context: { name: string; error: Error } }) => errors.push(e));
    expect(await errorOf(`${server.url}/engine.io/?EIO=4&transport=polling`)).toEqual({ status: 400, body: { code: 3, message: 'Bad request' } });
    expect(errors[0].context.name).toBe('ID_GENERATION_ERROR');
    expect(errors[0].context.error.message).toBe('no ids today');
  });
});
