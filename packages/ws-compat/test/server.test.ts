/**
 * WebSocketServer: the three ways to run it (port on each transport, an existing HTTP server,
 * noServer + handleUpgrade), the handshake hooks and options, with ws's own client as the peer.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import RealWS from 'ws';
import { WebSocket, WebSocketServer } from '../src/index.js';
import { clientFrame, kinds, listen, rawRequest, shutdown, upgradeRequest, waitFor } from './support/helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function server(options: Parameters<typeof listen>[0] = {}) {
  const s = await listen(options);
  cleanups.push(() => shutdown(s.wss));
  return s;
}

function client(url: string, protocols?: string | string[] | RealWS.ClientOptions, options?: RealWS.ClientOptions): RealWS {
  const c = new RealWS(url, protocols as string[], options);
  cleanups.push(() => {
    c.on('error', () => {});
    c.terminate();
  });
  return c;
}

describe.each(kinds)('WebSocketServer { port } on the %s transport', (transport) => {
  it('gives req.socket and ws._socket as one object, made on first read, before or after the upgrade', async () => {
    const wss = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      transport,
      // Read before the upgrade for the /early path only.
      verifyClient: (info: { req: http.IncomingMessage }) => (info.req.url === '/early' ? info.req.socket.remoteAddress === '127.0.0.1' : true),
    });
    cleanups.push(() => shutdown(wss));
    await once(wss, 'listening');
    const port = (wss.address() as net.AddressInfo).port;
    const seen: string[] = [];
    wss.on('connection', (ws, req) => {
      expect(req).toBeInstanceOf(http.IncomingMessage);
      expect(req.socket).toBe(ws._socket);
      expect(req.connection).toBe(ws._socket);
      expect(ws._socket!.remoteAddress).toBe('127.0.0.1');
      expect(typeof ws._socket!.remotePort).toBe('number');
      expect(ws._sender).toBe(ws._sender);
      seen.push(req.url!);
      ws.send(req.url!);
    });
    for (const path of ['/early', '/late']) {
      const c = client(`ws://127.0.0.1:${port}${path}`);
      const [data] = (await once(c, 'message')) as [Buffer, boolean];
      expect(data.toString()).toBe(path);
    }
    expect(seen).toEqual(['/early', '/late']);
  });

  it('listens (event and callback), reports address(), echoes, and closes', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', transport }, () => calls.push('callback'));
    const calls: string[] = [];
    wss.on('listening', () => calls.push('listening'));
    await once(wss, 'listening');
    expect(calls).toEqual(['callback', 'listening']);
    const address = wss.address() as net.AddressInfo;
    expect(address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(address.port).toBeGreaterThan(0);
    wss.on('connection', (ws, req) => {
      expect(req.url).toBe('/chat?room=1');
      expect(req.headers.host).toBe(`127.0.0.1:${address.port}`);
      expect(req.socket.remoteAddress).toBe('127.0.0.1');
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
    const c = client(`ws://127.0.0.1:${address.port}/chat?room=1`);
    await once(c, 'open');
    c.send('héllo');
    const [text, isBinary] = (await once(c, 'message')) as [Buffer, boolean];
    expect([text.toString(), isBinary]).toEqual(['héllo', false]);
    c.send(Buffer.from([0, 1, 2, 255]));
    const [bin, isBinary2] = (await once(c, 'message')) as [Buffer, boolean];
    expect([[...bin], isBinary2]).toEqual([[0, 1, 2, 255], true]);
    c.close(1000, 'done');
    const [code, reason] = (await once(c, 'close')) as [number, Buffer];
    expect([code, reason.toString()]).toEqual([1000, 'done']);
    await waitFor(() => wss.clients.size === 0, 5000, 'client gone');
    const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
    await closed;
    expect(wss.address()).toBe(null);
  });

  it('answers a plain HTTP request with 426, and a bad upgrade with 400', async () => {
    const { port } = await server({ transport });
    const plain = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(plain).toMatch(/^HTTP\/1\.1 426 Upgrade Required\r\n/);
    expect(plain.endsWith('Upgrade Required')).toBe(true);
    const badKey = await rawRequest(port, upgradeRequest('/', [], 'short'));
    expect(badKey).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(badKey).toContain('Missing or invalid Sec-WebSocket-Key header');
    const badMethod = await rawRequest(port, upgradeRequest().replace('GET', 'POST'));
    expect(badMethod).toMatch(/^HTTP\/1\.1 405 Method Not Allowed/);
    const badVersion = await rawRequest(port, upgradeRequest().replace('Version: 13', 'Version: 12'));
    expect(badVersion).toContain('Sec-WebSocket-Version: 13, 8');
  });

  it('limits the request head: 16 KiB (431), and handshakeTimeout for a peer that stalls', async () => {
    const { wss, port } = await server({ transport, handshakeTimeout: 1000 });
    const huge = await rawRequest(port, upgradeRequest('/', [`X-Big: ${'a'.repeat(17 * 1024)}`]));
    expect(huge).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    const socket = net.connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    await once(socket, 'connect');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n'); // and nothing more
    const started = Date.now();
    await once(socket, 'close');
    expect(Date.now() - started).toBeLessThan(4000);
    expect(wss.clients.size).toBe(0);
  });

  it('reports EADDRINUSE through an error event', async () => {
    const { port } = await server({ transport });
    const other = new WebSocketServer({ port, host: '127.0.0.1', transport });
    const [error] = (await once(other, 'error')) as [Error];
    expect((error as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
  });

  it('delivers frames that arrive together with the upgrade request', async () => {
    const { wss, port } = await server({ transport });
    const got: string[] = [];
    wss.on('connection', (ws) => ws.on('message', (d) => got.push((d as Buffer).toString())));
    const socket = net.connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    await once(socket, 'connect');
    socket.write(Buffer.concat([Buffer.from(upgradeRequest()), clientFrame(1, Buffer.from('early'))]));
    await waitFor(() => got.length === 1, 5000, 'early message');
    expect(got).toEqual(['early']);
  });
});

describe('WebSocketServer { server }', () => {
  it('takes upgrades from an http.Server; plain requests stay with the HTTP server', async () => {
    const httpServer = http.createServer((_req, res) => res.end('plain'));
    const wss = new WebSocketServer({ server: httpServer });
    const listening = once(wss, 'listening');
    httpServer.listen(0, '127.0.0.1');
    await listening;
    cleanups.push(() => new Promise((r) => httpServer.close(r)));
    cleanups.push(() => shutdown(wss));
    const port = (wss.address() as net.AddressInfo).port;
    wss.on('connection', (ws, req) => {
      // As in ws, req.socket is ws._socket (on the native loop: not the dead Node socket, which
      // a request kept for the connection's life would otherwise hold on to).
      const same = req.socket === (ws._socket as unknown) && req.connection === (ws._socket as unknown) && (req as unknown as { client: unknown }).client === ws._socket;
      ws.send(`hi ${req.url} ${ws._socket!.remoteAddress} ${typeof ws._socket!.remotePort} ${req.socket.remoteAddress} ${same}`);
    });
    const c = client(`ws://127.0.0.1:${port}/x`);
    const [msg] = (await once(c, 'message')) as [Buffer, boolean];
    expect(msg.toString()).toBe('hi /x 127.0.0.1 number 127.0.0.1 true');
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe('plain');
    // close(): the HTTP server stays, 'close' waits for the tracked clients.
    let closed = false;
    wss.close(() => (closed = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(closed).toBe(false);
    c.close();
    await waitFor(() => closed, 5000, 'server close');
  });

  it('terminate() in the connection handler of an adopted socket: the client sees open, then 1006', async () => {
    const httpServer = http.createServer();
    const wss = new WebSocketServer({ server: httpServer });
    httpServer.listen(0, '127.0.0.1');
    await once(wss, 'listening');
    cleanups.push(() => new Promise((r) => httpServer.close(r)));
    cleanups.push(() => shutdown(wss));
    const serverEvents: string[] = [];
    wss.on('connection', (ws) => {
      ws.send('sent before terminate(), delivered as by ws');
      ws.on('close', (code) => serverEvents.push(`close ${code}`));
      ws.terminate();
    });
    const c = client(`ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}`);
    const events: string[] = [];
    c.on('open', () => events.push('open'));
    c.on('message', (d) => events.push(`message ${(d as Buffer).toString()}`));
    c.on('error', (e) => events.push(`error ${e.message}`));
    const [code] = (await once(c, 'close')) as [number, Buffer];
    events.push(`close ${code}`);
    expect(events).toEqual(['open', 'message sent before terminate(), delivered as by ws', 'close 1006']);
    await waitFor(() => serverEvents.length === 1, 5000, 'server close');
    expect(serverEvents).toEqual(['close 1006']);
  });

  it('serves a TLS socket of an https.Server through node:net', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    // eslint-disable-next-line @typescript-eslint/unbound-method -- node:path's functions do not use `this`
    const { join } = await import('node:path');
    const https = await import('node:https');
    const dir = mkdtempSync(join(tmpdir(), 'ws-compat-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const key = readFileSync(join(dir, 'key.pem'));
    const cert = readFileSync(join(dir, 'cert.pem'));
    const httpsServer = https.createServer({ key, cert });
    const wss = new WebSocketServer({ server: httpsServer });
    httpsServer.listen(0, '127.0.0.1');
    await once(httpsServer, 'listening');
    cleanups.push(() => new Promise((r) => httpsServer.close(r)));
    cleanups.push(() => shutdown(wss));
    const port = (httpsServer.address() as net.AddressInfo).port;
    wss.on('connection', (ws, req) => {
      expect(ws._socket!.encrypted).toBe(true);
      expect(ws._socket!.remoteAddress).toBe('127.0.0.1');
      ws.on('message', (d) => ws.send(`tls:${(d as Buffer).toString()}`));
      void req;
    });
    const c = client(`wss://localhost:${port}`, { ca: cert });
    await once(c, 'open');
    c.send('x');
    const [msg] = (await once(c, 'message')) as [Buffer, boolean];
    expect(msg.toString()).toBe('tls:x');
    // And our own client over wss.
    const ours = new WebSocket(`wss://localhost:${port}`, { ca: cert });
    cleanups.push(() => ours.terminate());
    await once(ours, 'open');
    ours.send('y');
    const [m2] = (await once(ours, 'message')) as [Buffer, boolean];
    expect(m2.toString()).toBe('tls:y');
    // Without the CA the certificate is refused, with node:tls's error, as ws reports it.
    const untrusted = new WebSocket(`wss://localhost:${port}`);
    const events: unknown[] = [];
    untrusted.on('error', (e) => events.push((e as NodeJS.ErrnoException).code));
    untrusted.on('close', (code) => events.push(code));
    await waitFor(() => events.length === 2, 5000, 'TLS refusal');
    expect(events).toEqual(['DEPTH_ZERO_SELF_SIGNED_CERT', 1006]);
  });
});

describe('WebSocketServer { noServer } + handleUpgrade', () => {
  it('upgrades sockets an HTTP server hands over, and any Duplex', async () => {
    const wss = new WebSocketServer({ noServer: true });
    cleanups.push(() => shutdown(wss));
    expect(() => wss.address()).toThrow('The server is operating in "noServer" mode');
    const httpServer = http.createServer();
    httpServer.on('upgrade', (req, socket, head) => {
      if (req.url === '/reject') {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws, request) => wss.emit('connection', ws, request));
    });
    httpServer.listen(0, '127.0.0.1');
    await once(httpServer, 'listening');
    cleanups.push(() => new Promise((r) => httpServer.close(r)));
    const port = (httpServer.address() as net.AddressInfo).port;
    wss.on('connection', (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
    const c = client(`ws://127.0.0.1:${port}/ok`);
    await once(c, 'open');
    c.send('ping?');
    const [msg] = (await once(c, 'message')) as [Buffer, boolean];
    expect(msg.toString()).toBe('ping?');
    const rejected = client(`ws://127.0.0.1:${port}/reject`);
    const [error] = (await once(rejected, 'error')) as [Error];
    expect(String(error)).toContain('404');
    expect(() => wss.handleUpgrade(null as never, null as never, null as never, () => {})).toThrow();
  });

  it('runs over a plain Duplex (no file descriptor, no address)', async () => {
    const wss = new WebSocketServer({ noServer: true });
    cleanups.push(() => shutdown(wss));
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    const socket = Duplex.from({ readable: toServer, writable: fromServer });
    const req = Object.assign(new http.IncomingMessage(socket as never), {
      method: 'GET',
      url: '/',
      headers: { host: 'x', upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' },
    });
    let out = Buffer.alloc(0);
    fromServer.on('data', (c: Buffer) => (out = Buffer.concat([out, c])));
    const got: string[] = [];
    wss.handleUpgrade(req, socket, Buffer.alloc(0), (ws) => {
      expect(ws._socket!.remoteAddress).toBe(undefined);
      ws.on('message', (d) => {
        got.push((d as Buffer).toString());
        ws.send('back');
      });
    });
    toServer.write(clientFrame(1, Buffer.from('over a duplex')));
    await waitFor(() => got.length === 1, 5000, 'message');
    await waitFor(() => out.includes(Buffer.from('back')), 5000, 'reply');
    expect(out.toString('latin1')).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(out.toString('latin1')).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

describe('handshake options and hooks', () => {
  it('path: other paths get 400', async () => {
    const { url } = await server({ path: '/ws' });
    const ok = client(`${url}/ws?x=1`);
    await once(ok, 'open');
    const bad = client(`${url}/other`);
    const [error] = (await once(bad, 'error')) as [Error];
    expect((error).message).toBe('Unexpected server response: 400');
  });

  it('verifyClient (sync): false answers 401; info has origin, secure and req', async () => {
    const seen: unknown[] = [];
    const { url } = await server({
      verifyClient: (info: { origin?: string; secure: boolean; req: http.IncomingMessage }) => {
        seen.push([info.origin, info.secure, info.req.url]);
        return info.origin === 'https://good.example';
      },
    });
    const bad = client(url, { origin: 'https://evil.example' });
    const [error] = (await once(bad, 'error')) as [Error];
    expect((error).message).toBe('Unexpected server response: 401');
    const good = client(url, { origin: 'https://good.example' });
    await once(good, 'open');
    expect(seen).toEqual([
      ['https://evil.example', false, '/'],
      ['https://good.example', false, '/'],
    ]);
  });

  it('verifyClient (async): code, message and headers of a refusal; later acceptance', async () => {
    const { url } = await server({
      verifyClient: (info: { req: http.IncomingMessage }, cb: (ok: boolean, code?: number, msg?: string, headers?: Record<string, string>) => void) => {
        setTimeout(() => {
          if (info.req.url === '/no') cb(false, 403, 'Go away', { 'X-Reason': 'test' });
          else cb(true);
        }, 10);
      },
    });
    const bad = client(`${url}/no`);
    const [req, res] = await new Promise<[unknown, http.IncomingMessage]>((resolve) => bad.on('unexpected-response', (q, r) => resolve([q, r])));
    expect(res.statusCode).toBe(403);
    expect(res.headers['x-reason']).toBe('test');
    let body = '';
    res.on('data', (c: Buffer) => (body += c.toString()));
    await once(res, 'end');
    expect(body).toBe('Go away');
    void req;
    const good = client(`${url}/yes`);
    await once(good, 'open');
  });

  it('handleProtocols picks the subprotocol; by default the first offered', async () => {
    const first = await server();
    const a = client(first.url, ['one', 'two']);
    await once(a, 'open');
    expect(a.protocol).toBe('one');
    const picked = await server({ handleProtocols: (protocols) => (protocols.has('two') ? 'two' : false) });
    const b = client(picked.url, ['one', 'two']);
    const serverSide = once(picked.wss, 'connection') as Promise<[WebSocket]>;
    await once(b, 'open');
    expect(b.protocol).toBe('two');
    const [ws] = await serverSide;
    expect(ws.protocol).toBe('two');
    const none = await server({ handleProtocols: () => false });
    const c = client(none.url, ['x']);
    const [error] = (await once(c, 'error')) as [Error];
    expect((error).message).toBe('Server sent no subprotocol');
  });

  it("'headers' lets the response be changed before it is written", async () => {
    const { wss, url } = await server();
    wss.on('headers', (headers, req) => {
      expect(req.url).toBe('/');
      headers.push('Set-Cookie: session=abc');
    });
    const c = client(url);
    const [res] = (await once(c, 'upgrade')) as [http.IncomingMessage];
    expect((res).headers['set-cookie']).toEqual(['session=abc']);
  });

  it("'wsClientError' receives handshake errors instead of the automatic answer", async () => {
    const { wss, port } = await server();
    const errors: string[] = [];
    wss.on('wsClientError', (error, socket, req) => {
      errors.push(`${error.message} ${req.url}`);
      socket.end('HTTP/1.1 418 Teapot\r\n\r\n');
    });
    const answer = await rawRequest(port, upgradeRequest('/t', [], 'bad'));
    expect(answer).toBe('HTTP/1.1 418 Teapot\r\n\r\n');
    expect(errors).toEqual(['Missing or invalid Sec-WebSocket-Key header /t']);
  });

  it('clientTracking: clients has the open connections; false leaves clients undefined', async () => {
    const { wss, url } = await server();
    const a = client(url);
    const b = client(url);
    await Promise.all([once(a, 'open'), once(b, 'open')]);
    await waitFor(() => wss.clients.size === 2);
    for (const ws of wss.clients) expect(ws).toBeInstanceOf(WebSocket);
    a.close();
    await waitFor(() => wss.clients.size === 1, 5000, 'one left');
    const untracked = await server({ clientTracking: false });
    expect(untracked.wss.clients).toBe(undefined);
  });

  it('a closing server answers new upgrades on a shared HTTP server with 503... or stops taking them', async () => {
    const wss = new WebSocketServer({ noServer: true });
    const httpServer = http.createServer();
    httpServer.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, () => {}));
    httpServer.listen(0, '127.0.0.1');
    await once(httpServer, 'listening');
    cleanups.push(() => new Promise((r) => httpServer.close(r)));
    await new Promise<void>((r) => wss.close(() => r()));
    const c = client(`ws://127.0.0.1:${(httpServer.address() as net.AddressInfo).port}`);
    const [error] = (await once(c, 'error')) as [Error];
    expect((error).message).toBe('Unexpected server response: 503');
    const again = await new Promise<Error | undefined>((r) => wss.close((e) => r(e)));
    expect(again?.message).toBe('The server is not running');
  });

  it('rejects conflicting options like ws', () => {
    expect(() => new WebSocketServer({})).toThrow(TypeError);
    expect(() => new WebSocketServer({ port: 1, noServer: true })).toThrow('One and only one of the "port", "server", or "noServer" options must be specified');
  });
});

describe('perMessageDeflate and limits', () => {
  it('negotiates permessage-deflate; threshold decides what is compressed', async () => {
    const { wss, url } = await server({ perMessageDeflate: { threshold: 100 } });
    wss.on('connection', (ws) => {
      ws.on('message', (d, b) => ws.send(d, { binary: b }));
    });
    const c = client(url, { perMessageDeflate: { threshold: 0 } });
    await once(c, 'open');
    expect(c.extensions).toBe('permessage-deflate');
    const [ws] = [...wss.clients];
    expect(ws.extensions).toBe('permessage-deflate');
    const socket = (c as unknown as { _socket: net.Socket })._socket;
    const big = 'a'.repeat(50_000);
    const before = socket.bytesRead;
    c.send(big);
    const [echo] = (await once(c, 'message')) as [Buffer, boolean];
    expect(echo.toString()).toBe(big);
    expect(socket.bytesRead - before).toBeLessThan(1000); // compressed
    const small = 'b'.repeat(50);
    const before2 = socket.bytesRead;
    c.send(small);
    const [echo2] = (await once(c, 'message')) as [Buffer, boolean];
    expect(echo2.toString()).toBe(small);
    expect(socket.bytesRead - before2).toBe(52); // under the threshold: plain
  });

  it('honours window bits and no_context_takeover in the answer', async () => {
    const { wss, url } = await server({ perMessageDeflate: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10 } });
    wss.on('connection', (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
    const c = client(url);
    const opened = once(c, 'open');
    const [res] = (await once(c, 'upgrade')) as [http.IncomingMessage];
    const header = String((res).headers['sec-websocket-extensions']);
    expect(header).toContain('server_no_context_takeover');
    expect(header).toContain('client_no_context_takeover');
    expect(header).toContain('server_max_window_bits=10');
    await opened;
    for (let i = 0; i < 3; i++) {
      c.send('x'.repeat(5000));
      const [m] = (await once(c, 'message')) as [Buffer, boolean];
      expect(m.length).toBe(5000);
    }
  });

  it('without perMessageDeflate no extension is answered', async () => {
    const { url } = await server();
    const c = client(url);
    await once(c, 'open');
    expect(c.extensions).toBe('');
  });

  it('maxPayload: a larger message fails with WS_ERR_UNSUPPORTED_MESSAGE_LENGTH and 1009', async () => {
    const { wss, url } = await server({ maxPayload: 10 });
    const errors: unknown[] = [];
    const closes: unknown[] = [];
    wss.on('connection', (ws) => {
      ws.on('error', (e: Error) => errors.push([e.constructor.name, (e as Error & { code: string }).code, e.message]));
      ws.on('close', (code, reason) => closes.push([code, reason.toString()]));
    });
    const c = client(url);
    await once(c, 'open');
    c.send('x'.repeat(11));
    const [code] = (await once(c, 'close')) as [number, Buffer];
    expect(code).toBe(1009);
    await waitFor(() => closes.length === 1);
    expect(errors).toEqual([['RangeError', 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'Max payload size exceeded']]);
    expect(closes).toEqual([[1006, '']]);
  });

  it('maxFragments: a message in more frames fails with WS_ERR_TOO_MANY_FRAGMENTS', async () => {
    const { wss, port } = await server({ maxFragments: 2 });
    const errors: string[] = [];
    wss.on('connection', (ws) => ws.on('error', (e) => errors.push((e as Error & { code: string }).code)));
    const socket = net.connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    let got = Buffer.alloc(0);
    socket.on('data', (c: Buffer) => (got = Buffer.concat([got, c])));
    socket.write(upgradeRequest());
    socket.write(Buffer.concat([clientFrame(1, Buffer.from('a'), false), clientFrame(0, Buffer.from('b'), false), clientFrame(0, Buffer.from('c'), true)]));
    await once(socket, 'close');
    expect(errors).toEqual(['WS_ERR_TOO_MANY_FRAGMENTS']);
    const closeFrame = got.subarray(got.indexOf(Buffer.from('\r\n\r\n')) + 4);
    expect([closeFrame[0], (closeFrame[2] << 8) | closeFrame[3]]).toEqual([0x88, 1009]);
  });

  it('default maxFragments (131 072, not ws\'s 16 384): Autobahn 9.3.1\'s 65 537 frames pass, 131 073 close with 1009', async () => {
    const { wss, port } = await server();
    const messages: number[] = [];
    const errors: string[] = [];
    wss.on('connection', (ws) => {
      ws.on('message', (data) => messages.push((data as Buffer).length));
      ws.on('error', (e) => errors.push((e as Error & { code: string }).code));
    });
    /** One text message in `frames` frames: 64-byte fragments, then an empty final frame. */
    const fragmented = (frames: number): Buffer => {
      const piece = clientFrame(0, Buffer.alloc(64, 0x2a), false);
      const parts = [clientFrame(1, Buffer.alloc(64, 0x2a), false)];
      for (let i = 1; i < frames - 1; i++) parts.push(piece);
      parts.push(clientFrame(0, Buffer.alloc(0), true));
      return Buffer.concat(parts);
    };
    const send = async (frames: number): Promise<Buffer> => {
      const socket = net.connect(port, '127.0.0.1');
      cleanups.push(() => socket.destroy());
      let got = Buffer.alloc(0);
      socket.on('data', (c: Buffer) => (got = Buffer.concat([got, c])));
      socket.write(upgradeRequest());
      socket.write(fragmented(frames));
      // A close of our own after the message: the server answers it once the message was read.
      socket.write(clientFrame(8, Buffer.from([0x03, 0xe8])));
      await once(socket, 'close');
      return got.subarray(got.indexOf(Buffer.from('\r\n\r\n')) + 4);
    };
    const ok = await send(65_537);
    expect([ok[0], (ok[2] << 8) | ok[3]]).toEqual([0x88, 1000]);
    expect(messages).toEqual([(65_537 - 1) * 64]);
    const tooMany = await send(131_073);
    expect([tooMany[0], (tooMany[2] << 8) | tooMany[3]]).toEqual([0x88, 1009]);
    expect(errors).toEqual(['WS_ERR_TOO_MANY_FRAGMENTS']);
    expect(messages).toHaveLength(1);
  });

  it('invalid UTF-8 fails with WS_ERR_INVALID_UTF8 (1007); skipUTF8Validation lets it through', async () => {
    const strict = await server();
    const errors: string[] = [];
    strict.wss.on('connection', (ws) => ws.on('error', (e: Error) => errors.push((e as Error & { code: string }).code)));
    const c = client(strict.url);
    await once(c, 'open');
    c.send(Buffer.from([0xff, 0xfe]), { binary: false });
    const [code] = (await once(c, 'close')) as [number, Buffer];
    expect(code).toBe(1007);
    expect(errors).toEqual(['WS_ERR_INVALID_UTF8']);

    const lax = await server({ skipUTF8Validation: true });
    lax.wss.on('connection', (ws) => ws.on('message', (d, isBinary) => ws.send(Buffer.from([(d as Buffer).length, isBinary ? 1 : 0]))));
    const d = client(lax.url);
    await once(d, 'open');
    d.send(Buffer.from([0xff, 0xfe]), { binary: false });
    const [m] = (await once(d, 'message')) as [Buffer, boolean];
    expect([...m]).toEqual([2, 0]);
  });
});
