/**
 * The `req` a `port` server gives to 'connection' (and to verifyClient, handleProtocols and
 * 'headers'): built lazily from the parsed head, it must read exactly like the IncomingMessage
 * that ws gets from Node's HTTP server for the same bytes, repeated fields included.
 */
import { once } from 'node:events';
import { IncomingMessage } from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer as RealServer } from 'ws';
import type { VerifyClientInfo } from '../src/index.js';
import { closeRealWs, kinds, listen, listenRealWs, shutdown } from './support/helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** An upgrade request with repeated fields of every kind Node treats differently. */
const REQUEST = [
  'GET /chat?room=1 HTTP/1.1',
  'Host: localhost',
  'Host: ignored.example',
  'Upgrade: websocket',
  'Connection: keep-alive, Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version: 13',
  'Sec-WebSocket-Protocol: chat',
  'sec-websocket-protocol: superchat',
  'Origin: http://example.com',
  'X-Multi: one',
  'X-MULTI: two',
  'Cookie: a=1',
  'Cookie: b=2',
  'Set-Cookie: s=1',
  'User-Agent: test',
  'User-Agent: second',
  '',
  '',
].join('\r\n');

/** What user code reads from a `req`, in a comparable form. */
function describeRequest(req: IncomingMessage, order: 'headers-first' | 'raw-first'): Record<string, unknown> {
  const raw = order === 'raw-first' ? req.rawHeaders : undefined;
  const headers = req.headers;
  return {
    method: req.method,
    url: req.url,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
    upgrade: (req as { upgrade?: unknown }).upgrade,
    headers: { ...headers },
    headersDistinct: { ...req.headersDistinct },
    rawHeaders: [...(raw ?? req.rawHeaders)],
    rawHeadersOwnAndEnumerable: Object.keys(req).includes('rawHeaders'),
    remoteAddress: req.socket.remoteAddress,
    constructor: req.constructor.name,
    isIncomingMessage: req instanceof IncomingMessage,
  };
}

/** Sends REQUEST to `port` and resolves with the 'connection' request as `describeRequest` sees it, plus the protocol chosen. */
async function observe(wss: { on(event: 'connection', fn: (ws: { protocol: string }, req: IncomingMessage) => void): unknown }, port: number, order: 'headers-first' | 'raw-first') {
  const seen = new Promise<Record<string, unknown>>((resolve) => {
    wss.on('connection', (ws, req) => resolve({ ...describeRequest(req, order), protocol: ws.protocol }));
  });
  const socket = net.connect(port, '127.0.0.1');
  cleanups.push(() => socket.destroy());
  await once(socket, 'connect');
  socket.write(REQUEST);
  return seen;
}

async function realWs(): Promise<{ wss: RealServer; port: number }> {
  const real = await listenRealWs();
  cleanups.push(() => closeRealWs(real.wss));
  return real;
}

describe.each(kinds)('the request of a port server on %s', (transport) => {
  it.each(['headers-first', 'raw-first'] as const)('reads like the IncomingMessage ws gets (%s)', async (order) => {
    const real = await realWs();
    const expected = await observe(real.wss, real.port, order);
    const { wss, port } = await listen({ transport });
    cleanups.push(() => shutdown(wss));
    const got = await observe(wss, port, order);
    expect(got).toEqual(expected);
    // The cases that matter, spelled out (so a change in both would still be seen).
    expect(got.protocol).toBe('chat');
    expect((got.headers as Record<string, unknown>)['x-multi']).toBe('one, two');
    expect((got.headers as Record<string, unknown>).cookie).toBe('a=1; b=2');
    expect((got.headers as Record<string, unknown>).host).toBe('localhost');
    expect((got.headersDistinct as Record<string, unknown>).host).toEqual(['localhost', 'ignored.example']);
    expect(got.upgrade).toBe(true);
    expect(got.rawHeadersOwnAndEnumerable).toBe(true);
    expect(got.isIncomingMessage).toBe(true);
  });

  it('hands the same values to verifyClient, handleProtocols and headers; writes to req stick', async () => {
    const seen: string[] = [];
    const { wss, port } = await listen({
      transport,
      verifyClient: (info: VerifyClientInfo) => {
        seen.push(`verify origin=${info.origin} host=${info.req.headers.host}`);
        return true;
      },
      handleProtocols: (protocols, req) => {
        seen.push(`protocols=${[...protocols].join('|')} url=${req.url}`);
        return 'superchat';
      },
    });
    cleanups.push(() => shutdown(wss));
    wss.on('headers', (_lines, req) => {
      req.headers = { replaced: 'yes' };
      req.rawHeaders = ['Replaced', 'yes'];
    });
    const connected = new Promise<IncomingMessage>((resolve) => wss.on('connection', (_ws, req) => resolve(req)));
    const socket = net.connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.write(REQUEST);
    const req = await connected;
    expect(seen).toEqual(['verify origin=http://example.com host=localhost', 'protocols=chat|superchat url=/chat?room=1']);
    expect(req.headers).toEqual({ replaced: 'yes' });
    expect(req.rawHeaders).toEqual(['Replaced', 'yes']);
    await new Promise((r) => setTimeout(r, 50));
    expect(answer).toMatch(/^HTTP\/1\.1 101 /);
    expect(answer).toContain('Sec-WebSocket-Protocol: superchat\r\n');
  });
});

describe('the request of a port server, in handshake validation', () => {
  it('joins a repeated Sec-WebSocket-Version like Node does (and so refuses it, as ws does)', async () => {
    const request = REQUEST.replace('Sec-WebSocket-Version: 13\r\n', 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 13\r\n');
    const answers: string[] = [];
    for (const server of ['ws', 'ours'] as const) {
      let port: number;
      if (server === 'ws') port = (await realWs()).port;
      else {
        const { wss, port: p } = await listen();
        cleanups.push(() => shutdown(wss));
        port = p;
      }
      const socket = net.connect(port, '127.0.0.1');
      cleanups.push(() => socket.destroy());
      await once(socket, 'connect');
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      socket.write(request);
      await once(socket, 'close');
      answers.push(answer.split('\r\n')[0]);
    }
    expect(answers[1]).toBe(answers[0]);
    expect(answers[1]).toBe('HTTP/1.1 400 Bad Request');
  });
});
