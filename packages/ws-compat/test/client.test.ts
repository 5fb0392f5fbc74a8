/**
 * The client: `new WebSocket(url, protocols?, options?)` against ws's own server (so the client
 * is checked on its own), on each transport.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import RealWS, { WebSocketServer as RealServer } from 'ws';
import { WebSocket } from '../src/index.js';
import { closeRealWs, kinds, listenRealWs, waitFor } from './support/helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function realServer(options: RealWS.ServerOptions = {}): Promise<{ wss: RealServer; port: number; url: string }> {
  const real = await listenRealWs(options);
  cleanups.push(() => closeRealWs(real.wss));
  return real;
}

function ours(url: string | URL, protocols?: string | string[] | Record<string, unknown>, options?: Record<string, unknown>): WebSocket {
  const ws = new WebSocket(url, protocols, options);
  cleanups.push(() => {
    ws.on('error', () => {});
    ws.terminate();
  });
  return ws;
}

describe.each(kinds)('client on %s', (transport) => {
  it('connects, exchanges text and binary, and closes cleanly', async () => {
    const { wss, url } = await realServer();
    wss.on('connection', (s) => s.on('message', (d, b) => s.send(d, { binary: b })));
    const ws = ours(`${url}/path?q=1`, { transport });
    expect(ws.readyState).toBe(WebSocket.CONNECTING);
    expect(ws.url).toBe(`${url}/path?q=1`);
    await once(ws, 'open');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.send('hello');
    const [m, isBinary] = (await once(ws, 'message')) as [Buffer, boolean];
    expect([m.toString(), isBinary]).toEqual(['hello', false]);
    ws.send(new Uint8Array([1, 2]));
    const [b, isBinary2] = (await once(ws, 'message')) as [Buffer, boolean];
    expect([[...b], isBinary2]).toEqual([[1, 2], true]);
    ws.close(1000, 'client done');
    const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
    expect([code, reason.toString()]).toEqual([1000, 'client done']);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  it('offers subprotocols, origin and headers; emits upgrade with the response', async () => {
    const { wss, url } = await realServer({ handleProtocols: (p) => (p.has('b') ? 'b' : false) });
    const seen = once(wss, 'connection');
    const ws = ours(url, ['a', 'b'], { transport, origin: 'https://o.example', headers: { 'X-Token': 'secret' } });
    const opened = once(ws, 'open');
    const [res] = (await once(ws, 'upgrade')) as [http.IncomingMessage];
    expect((res).statusCode).toBe(101);
    await opened;
    expect(ws.protocol).toBe('b');
    const [, req] = (await seen) as [unknown, http.IncomingMessage];
    expect(req.headers.origin).toBe('https://o.example');
    expect(req.headers['x-token']).toBe('secret');
    expect(req.headers['sec-websocket-protocol']).toBe('a,b');
  });

  it('perMessageDeflate (on by default) is negotiated and works both ways', async () => {
    const { wss, url } = await realServer({ perMessageDeflate: { threshold: 0 } });
    wss.on('connection', (s) => s.on('message', (d, b) => s.send(d, { binary: b })));
    const ws = ours(url, { transport });
    await once(ws, 'open');
    expect(ws.extensions).toBe('permessage-deflate');
    const big = 'z'.repeat(100_000);
    ws.send(big);
    const [m] = (await once(ws, 'message')) as [Buffer, boolean];
    expect(m.toString()).toBe(big);
    const off = ours(url, { transport, perMessageDeflate: false });
    await once(off, 'open');
    expect(off.extensions).toBe('');
  });

  it('maxPayload: a larger message from the server fails with 1009', async () => {
    const { wss, url } = await realServer();
    wss.on('connection', (s) => s.send('x'.repeat(100)));
    const ws = ours(url, { transport, maxPayload: 50 });
    const [error] = (await once(ws, 'error')) as [Error & { code: string }];
    expect(error.code).toBe('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    const [code] = (await once(ws, 'close')) as [number, Buffer];
    expect(code).toBe(1006);
  });

  it('a refused connection: error with the errno code, then close 1006', async () => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const ws = ours(`ws://127.0.0.1:${port}`, { transport });
    const events: unknown[] = [];
    ws.on('error', (e: NodeJS.ErrnoException) => events.push(['error', e.code]));
    ws.on('close', (code) => events.push(['close', code]));
    await waitFor(() => events.length === 2);
    expect(events).toEqual([
      ['error', 'ECONNREFUSED'],
      ['close', 1006],
    ]);
  });

  it("unexpected-response: the user gets req and res; without a listener it is an error", async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(403, { 'X-Why': 'nope' });
      res.end('forbidden');
    });
    server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nX-Why: nope\r\nContent-Length: 9\r\n\r\nforbidden'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((r) => server.close(r)));
    const url = `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const plain = ours(url, { transport });
    const [error] = (await once(plain, 'error')) as [Error];
    expect((error).message).toBe('Unexpected server response: 403');
    const handled = ours(url, { transport });
    const events: string[] = [];
    handled.on('error', (e) => events.push(`error ${e.message}`));
    handled.on('close', (code) => events.push(`close ${code}`));
    const [req, res] = (await once(handled, 'unexpected-response')) as [http.ClientRequest, http.IncomingMessage];
    // node:http's own objects, as ws gives.
    expect(req).toBeInstanceOf(http.ClientRequest);
    expect(res).toBeInstanceOf(http.IncomingMessage);
    expect(res.statusCode).toBe(403);
    expect(res.headers['x-why']).toBe('nope');
    expect(req.path).toBe('/');
    let body = '';
    res.on('data', (c: Buffer) => (body += c.toString()));
    await waitFor(() => body === 'forbidden', 5000, 'body');
    // The request is the listener's: closing the WebSocket aborts it, as in ws.
    handled.close();
    await waitFor(() => events.length === 2, 5000, 'error and close');
    expect(events).toEqual(['error WebSocket was closed before the connection was established', 'close 1006']);
  });

  it('handshakeTimeout: a silent server fails the handshake', async () => {
    const accepted: net.Socket[] = [];
    const silent = net.createServer((s) => accepted.push(s));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    cleanups.push(() => new Promise((r) => silent.close(r)));
    cleanups.push(() => accepted.forEach((s) => s.destroy()));
    const ws = ours(`ws://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, { transport, handshakeTimeout: 100 });
    const events: unknown[] = [];
    ws.on('error', (e: Error) => events.push(e.message));
    ws.on('close', (code) => events.push(code));
    await waitFor(() => events.length === 2, 5000, 'error and close');
    expect(events).toEqual(['Opening handshake has timed out', 1006]);
  });

  it('followRedirects / maxRedirects / redirect event', async () => {
    const { url: target } = await realServer();
    const redirector = http.createServer();
    let hops = 0;
    redirector.on('upgrade', (req, socket) => {
      hops++;
      const location = req.url === '/loop' ? '/loop' : `${target}/landed`;
      socket.end(`HTTP/1.1 302 Found\r\nLocation: ${location}\r\nContent-Length: 0\r\n\r\n`);
    });
    redirector.listen(0, '127.0.0.1');
    await once(redirector, 'listening');
    cleanups.push(() => new Promise((r) => redirector.close(r)));
    const base = `ws://127.0.0.1:${(redirector.address() as net.AddressInfo).port}`;
    const redirects: string[] = [];
    const ws = ours(`${base}/start`, { transport, followRedirects: true });
    ws.on('redirect', (u: string) => redirects.push(u));
    await once(ws, 'open');
    expect(ws.url).toBe(`${target}/landed`);
    expect(redirects).toEqual([`${target}/landed`]);
    const looping = ours(`${base}/loop`, { transport, followRedirects: true, maxRedirects: 2 });
    const [error] = (await once(looping, 'error')) as [Error];
    expect((error).message).toBe('Maximum redirects exceeded');
    const notFollowing = ours(`${base}/start`, { transport });
    const [error2] = (await once(notFollowing, 'error')) as [Error];
    expect((error2).message).toBe('Unexpected server response: 302');
    expect(hops).toBe(1 + 3 + 1);
  });

  it('close() before open: error and close like ws', async () => {
    const { url } = await realServer();
    const ws = ours(url, { transport });
    const events: string[] = [];
    ws.on('error', (e: Error) => events.push(e.message));
    ws.on('close', (code) => events.push(`close ${code}`));
    ws.close();
    await waitFor(() => events.length === 2);
    expect(events).toEqual(['WebSocket was closed before the connection was established', 'close 1006']);
  });
});

describe('client URL and options handling', () => {
  it('throws ws’s SyntaxErrors for bad URLs and subprotocols', () => {
    expect(() => new WebSocket('not a url')).toThrow('Invalid URL: not a url');
    expect(() => new WebSocket('ftp://x')).toThrow('The URL\'s protocol must be one of "ws:", "wss:", "http:", "https:", or "ws+unix:"');
    expect(() => new WebSocket('ws://x/#frag')).toThrow('The URL contains a fragment identifier');
    expect(() => new WebSocket('ws://127.0.0.1:1', ['a', 'a'])).toThrow('An invalid or duplicated subprotocol was specified');
    expect(() => new WebSocket('ws://127.0.0.1:1', { protocolVersion: 7 })).toThrow(RangeError);
  });

  it('ws+unix: connects over a Unix socket', async () => {
    const socketPath = path.join(os.tmpdir(), `ws-compat-${process.pid}-${Date.now()}.sock`);
    const server = http.createServer();
    const wss = new RealServer({ server });
    wss.on('connection', (s, req) => s.send(`unix ${req.url}`));
    server.listen(socketPath);
    await once(server, 'listening');
    cleanups.push(() => new Promise((r) => server.close(r)));
    cleanups.push(() => {
      for (const c of wss.clients) c.terminate();
    });
    const ws = ours(`ws+unix:${socketPath}:/inside?x=1`);
    const [m] = (await once(ws, 'message')) as [Buffer, boolean];
    expect(m.toString()).toBe('unix /inside?x=1');
  });

  it('http: and https: URLs are taken as ws: and wss:', async () => {
    const { url } = await realServer();
    const ws = ours(url.replace('ws:', 'http:'));
    expect(ws.url?.startsWith('ws:')).toBe(true);
    await once(ws, 'open');
  });
});
