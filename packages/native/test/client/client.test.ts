import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ClosedSocketError } from '../../src/app/closed-socket-error.js';
import { Client, connect } from '../../src/client/client.js';
import { parseWebSocketUrl } from '../../src/client/ws-url.js';
import { type Listening, deferred, listen } from '../support/app-harness.js';
import { transportKinds } from '../support/transports.js';

describe.each(transportKinds)('Client (%s)', (transport) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  const echoServer = () =>
    listen(transport, (app) =>
      app.ws('/*', {
        compression: 1 | (1 << 8),
        maxPayloadLength: 1 << 20,
        upgrade: (res, req, context) =>
          res.upgrade(
            { path: req.getUrl(), auth: req.getHeader('authorization') },
            req.getHeader('sec-websocket-key'),
            req.getHeader('sec-websocket-protocol'),
            req.getHeader('sec-websocket-extensions'),
            context,
          ),
        open: (ws) => {
          const data = ws.getUserData() as { path: string; auth: string };
          ws.send(`hello ${data.path} ${data.auth}`);
        },
        message: (ws, message, isBinary) => ws.send(message, isBinary, true),
        close: () => {},
      }),
    );

  it('echoes text and binary against an App, with headers, subprotocols and deflate', async () => {
    server = await echoServer();
    const client = connect(`${server.url}/room?x=1`, {
      transport,
      protocols: ['p1', 'p2'],
      perMessageDeflate: true,
      headers: { Authorization: 'Bearer t' },
    });
    const messages: Array<[string, boolean]> = [];
    client.on('message', (data, isBinary) => messages.push([data.toString(), isBinary]));
    await once(client, 'open');
    expect(client.state).toBe('open');
    expect(client.protocol).toBe('p1');
    client.send('text');
    client.send(Buffer.from('bytes'));
    client.send('big '.repeat(10_000));
    await new Promise<void>((resolve) => {
      const check = () => (messages.length === 4 ? resolve() : setTimeout(check, 5));
      check();
    });
    expect(messages).toEqual([
      ['hello /room Bearer t', false],
      ['text', false],
      ['bytes', true],
      ['big '.repeat(10_000), false],
    ]);
    const closed = once(client, 'close');
    client.close(1000, 'done');
    expect(client.state).toBe('closing');
    expect(await closed).toEqual([1000, '']); // the server echoes the code only
    expect(client.state).toBe('closed');
    expect(() => client.send('late')).toThrow(ClosedSocketError);
  });

  it('reports the server closing with a code', async () => {
    server = await listen(transport, (app) => app.ws('/*', { message: (ws) => ws.end(4002, 'bye') }));
    const client = new Client(server.url, { transport });
    await once(client, 'open');
    client.send('x');
    expect(await once(client, 'close')).toEqual([4002, 'bye']);
  });

  it('fails on a refused connection and on a rejected handshake', async () => {
    server = await listen(transport, (app) => app.ws('/ws', {}));
    const rejected = new Client(`${server.url}/elsewhere`, { transport });
    const error = deferred<Error>();
    const closed = deferred<number>();
    rejected.on('error', error.resolve);
    rejected.on('close', closed.resolve); // not events.once: it rejects on 'error'
    expect((await error.promise).message).toMatch(/404/);
    expect(await closed.promise).toBe(1006);

    const port = server.port;
    server.app.close();
    server = undefined;
    const refused = new Client(`ws://127.0.0.1:${port}/`, { transport });
    const [refusal] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(refusal.code).toBe('ECONNREFUSED');
  });

  it('parses ws URLs', () => {
    expect(parseWebSocketUrl('ws://example.com/a?b=1')).toEqual({ host: 'example.com', port: 80, hostHeader: 'example.com', path: '/a?b=1', secure: false });
    expect(parseWebSocketUrl('ws://[::1]:9001')).toEqual({ host: '::1', port: 9001, hostHeader: '[::1]:9001', path: '/', secure: false });
    expect(parseWebSocketUrl('wss://x')).toEqual({ host: 'x', port: 443, hostHeader: 'x', path: '/', secure: true });
    expect(parseWebSocketUrl('https://x:8443/p')).toEqual({ host: 'x', port: 8443, hostHeader: 'x:8443', path: '/p', secure: true });
    expect(() => parseWebSocketUrl('ftp://x')).toThrow(SyntaxError);
    expect(() => parseWebSocketUrl('ws://x/#frag')).toThrow(SyntaxError);
    expect(() => parseWebSocketUrl('nonsense')).toThrow(SyntaxError);
  });

  it('connects by host name (localhost), and refuses an unresolvable name on explicit epoll', async () => {
    server = await echoServer();
    const client = new Client(`ws://localhost:${server.port}/named`, { transport });
    const [greeting] = (await once(client, 'message')) as [Buffer];
    expect(greeting.toString()).toBe('hello /named '); // no authorization header was sent
    client.close(1000);
    await once(client, 'close');
    if (transport === 'epoll') {
      expect(() => new Client('ws://host.invalid:9/', { transport: 'epoll' })).toThrow(/connects to IP addresses/);
    }
  });
});

describe('Client compression options', () => {
  it('compresses with the zlib level asked for (0: stored, 9: smallest)', async () => {
    const { WebSocketServer } = await import('ws');
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true });
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    // Bytes the server read for one 64 KiB compressible message, after the handshake.
    const wireBytes = async (options: Record<string, number>): Promise<number> => {
      const seen = once(server, 'connection');
      const client = connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true, ...options });
      const [socket, req] = (await seen) as [import('ws').WebSocket, import('node:http').IncomingMessage];
      await once(client, 'open');
      const before = req.socket.bytesRead;
      client.send('abcdefgh'.repeat(8192));
      const [data] = (await once(socket, 'message')) as [Buffer];
      expect(data.length).toBe(65536);
      const bytes = req.socket.bytesRead - before;
      client.close();
      await once(client, 'close');
      return bytes;
    };
    try {
      const stored = await wireBytes({ compressionLevel: 0 });
      const best = await wireBytes({ compressionLevel: 9, compressionMemLevel: 9 });
      const small = await wireBytes({ compressThreshold: 1 << 20 });
      expect(stored).toBeGreaterThan(65536);
      expect(best).toBeLessThan(2048);
      expect(small).toBeGreaterThan(65536); // below the threshold: sent as is
    } finally {
      server.close();
    }
  });

  it('refuses out-of-range levels with a RangeError', () => {
    expect(() => new Client('ws://127.0.0.1:1/', { compressionLevel: 10 })).toThrow(RangeError);
    expect(() => new Client('ws://127.0.0.1:1/', { compressionMemLevel: 0 })).toThrow('compressionMemLevel must be an integer 1..9, got 0');
    expect(() => new Client('ws://127.0.0.1:1/', { compressThreshold: -1 })).toThrow(RangeError);
  });
});
