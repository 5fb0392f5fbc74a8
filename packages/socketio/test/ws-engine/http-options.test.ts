/**
 * The HTTP side around the wsEngine face: CORS preflight, the `cookie` option, `engine.use()`
 * middleware whose response headers reach the 101, and an Express app sharing the http server.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { connected, kinds, runCleanups, startIo } from './harness.js';

afterEach(runCleanups);

/** The head of the response to a raw websocket upgrade of engine.io (the socket is left open for the cleanup to close). */
function upgradeHead(port: number, extraHeaders = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end >= 0) {
        socket.destroy();
        resolve(text.slice(0, end));
      }
    });
    socket.write(
      `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extraHeaders}\r\n`,
    );
  });
}

describe.each(kinds)('HTTP options around the wsEngine face on the %s transport', (kind) => {
  it('answers a CORS preflight and sets the CORS headers on polling', async () => {
    const { url } = await startIo(kind, { cors: { origin: 'https://app.example', credentials: true, methods: ['GET', 'POST'] } });
    const preflight = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET,POST');
    const open = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: 'https://app.example' } });
    expect(open.status).toBe(200);
    expect(open.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(await open.text()).toMatch(/^0\{"sid":"[\w-]{20}","upgrades":\["websocket"\]/);
  });

  it('sets the session cookie on the first polling request, and with engine.use() headers on the 101', async () => {
    const { io, url, port } = await startIo(kind, { cookie: { name: 'io', httpOnly: true, sameSite: 'strict', path: '/' } });
    const seen: string[] = [];
    io.engine.use((req: http.IncomingMessage & { _query: Record<string, string> }, res: http.ServerResponse, next: () => void) => {
      seen.push(req._query.transport);
      res.setHeader('X-Middleware', 'ran');
      next();
    });
    const polling = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    const sid = /"sid":"([\w-]{20})"/.exec(await polling.text())![1];
    expect(polling.headers.get('set-cookie')).toBe(`io=${sid}; Path=/; HttpOnly; SameSite=Strict`);
    expect(polling.headers.get('x-middleware')).toBe('ran');
    const head = await upgradeHead(port);
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 101 Switching Protocols');
    expect(head).toContain('\r\nX-Middleware: ran');
    expect(seen).toEqual(['polling', 'websocket']);
  });

  it('refuses an upgrade in engine.use() middleware with a 400 and engine.io\'s error', async () => {
    const { io, port } = await startIo(kind);
    io.engine.use((_req: unknown, _res: unknown, next: (e?: Error) => void) => next(new Error('nope')));
    const errors: Array<{ code: number; context: { name: string } }> = [];
    io.engine.on('connection_error', (e: (typeof errors)[number]) => errors.push(e));
    const head = await upgradeHead(port);
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(errors.map((e) => [e.code, e.context.name])).toEqual([[3, 'MIDDLEWARE_FAILURE']]);
  });

  it('shares an Express app\'s http server: its routes answer, Socket.IO serves both transports', async () => {
    const app = express();
    app.get('/hello', (_req, res) => {
      res.json({ hello: 'world' });
    });
    const { io, url } = await startIo(kind, {}, http.createServer(app));
    io.on('connection', (socket) => socket.on('echo', (m: unknown, ack: (r: unknown) => void) => ack(m)));
    const route = await fetch(`${url}/hello`);
    expect(await route.json()).toEqual({ hello: 'world' });
    expect((await fetch(`${url}/missing`)).status).toBe(404);
    for (const transports of [['websocket'], ['polling'], ['polling', 'websocket']] as const) {
      const c = await connected(url, { transports: [...transports] });
      expect(await c.emitWithAck('echo', transports.join('+'))).toBe(transports.join('+'));
    }
    // Another upgrade path on the same server is not Socket.IO's: engine.io ends it.
    const other = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('close', () => resolve(text));
      socket.write('GET /other HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    });
    expect(other).toBe('');
  });

  it('serves an https server: websocket and polling clients over TLS', async () => {
    const fixtures = new URL('../../../native/test/fixtures/tls/', import.meta.url);
    const httpsServer = https.createServer({ key: readFileSync(new URL('localhost.key', fixtures)), cert: readFileSync(new URL('localhost.pem', fixtures)) });
    const { io, port } = await startIo(kind, {}, httpsServer);
    io.on('connection', (socket) => socket.on('echo', (m: unknown, ack: (r: unknown) => void) => ack([m, socket.handshake.secure])));
    for (const transports of [['websocket'], ['polling', 'websocket']] as const) {
      const c = await connected(`https://127.0.0.1:${port}`, { transports: [...transports], rejectUnauthorized: false });
      expect(await c.emitWithAck('echo', 'over tls')).toEqual(['over tls', true]);
    }
  });
});
