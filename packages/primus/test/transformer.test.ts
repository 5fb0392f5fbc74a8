/**
 * @uws/primus with Primus 8's real server and its Node client (`primus.Socket`, which speaks
 * through the `ws` package), over TCP and over a Unix socket: everything Primus's own
 * `websockets` transformer offers.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { UwsTransformer } from '../src/index.js';
import { next, sleep, startPrimus, type Started, type Where } from './support/primus-server.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function start(where: Where, options: Record<string, unknown> = {}, before?: Parameters<typeof startPrimus>[3]): Promise<Started> {
  const started = await startPrimus(where, options, undefined, before);
  cleanups.push(() => started.close());
  return started;
}

/** A raw `ws` client on Primus's path of `s` (for what primus.Socket hides). */
function rawClient(s: Started, pathAndQuery = '/primus', options: WebSocket.ClientOptions = {}): WebSocket {
  const url = s.socketPath ? `ws+unix:${s.socketPath}:${pathAndQuery}` : `${s.url.replace(/^http/, 'ws')}${pathAndQuery}`;
  const ws = new WebSocket(url, options);
  cleanups.push(() => {
    ws.on('error', () => {}); // terminate() while connecting reports an error
    ws.terminate();
  });
  return ws;
}

/** The transport kind serving the spark's WebSocket ('epoll' native, or 'node'). */
 
const transportOf = (spark: any): string => spark.socket._socket._hub.transport.kind;

describe.each<Where>(['tcp', 'unix'])('UwsTransformer over %s', (where) => {
  it('echoes JSON both ways in order, with connection before data, on the native transport', async () => {
    const s = await start(where);
    const events: string[] = [];
     
    s.primus.on('connection', (spark: any) => {
      events.push('connection');
      spark.on('data', (data: unknown) => {
        events.push('data');
        spark.write({ echo: data });
      });
    });
    const client = s.connect();
    const received: unknown[] = [];
    const done = new Promise<void>((resolve) => {
      client.on('data', (d: unknown) => {
        received.push(d);
        if (received.length === 100) resolve();
      });
    });
    await next(client, 'open');
    for (let i = 0; i < 100; i++) client.write({ i, text: `message ${i}` });
    await done;
    expect(received).toEqual(Array.from({ length: 100 }, (_, i) => ({ echo: { i, text: `message ${i}` } })));
    expect(events[0]).toBe('connection');
    expect(events.filter((e) => e === 'data')).toHaveLength(100);
    const [spark] = Object.values(s.primus.connections);
    expect(transportOf(spark)).toBe('epoll');
    // The Node socket was handed over to the native loop: http.Server holds no connection.
    const held = await new Promise<number>((resolve, reject) => s.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    expect(held).toBe(0);
  });

  it('gives the spark the query string, the headers, the request and the address', async () => {
    const s = await start(where);
    const sparkP = next<any>(s.primus, 'connection');
    const client = s.connect({ transport: { headers: { 'x-primus-test': 'yes' } } }, 'room=lobby&n=2');
    await next(client, 'open');
    const spark = await sparkP;
    expect(spark.query.room).toBe('lobby');
    expect(spark.query.n).toBe('2');
    expect(typeof spark.query._primuscb).toBe('string');
    expect(spark.headers['x-primus-test']).toBe('yes');
    expect(spark.headers.upgrade).toBe('websocket');
    expect(spark.request.url).toMatch(/^\/primus\/?\?/);
    if (where === 'tcp') {
      expect(spark.address.ip).toMatch(/127\.0\.0\.1$/);
      expect(spark.address.port).toBeGreaterThan(0);
      // The request no longer holds the destroyed net.Socket but the live socket's facade.
      expect(spark.request.socket).toBe(spark.socket._socket);
      expect(spark.request.socket.remoteAddress).toMatch(/127\.0\.0\.1$/);
    }
  });

  it('uses x-forwarded-for over the connection address', async () => {
    const s = await start(where);
    const sparkP = next<any>(s.primus, 'connection');
    s.connect({ transport: { headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-port': '4242' } } });
    const spark = await sparkP;
    expect(spark.address.ip).toBe('203.0.113.7');
    expect(spark.address.port).toBe(4242);
  });

  it('serves a custom pathname and leaves other paths to the previous listeners', async () => {
    const s = await start(where, { pathname: '/realtime' }, (server) => {
      // The application's own upgrade listener, there before Primus: it refuses with 404.
      server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
    });
    const sparkP = next<any>(s.primus, 'connection');
    const client = s.connect();
    await next(client, 'open');
    const spark = await sparkP;
    expect(spark.request.url.startsWith('/realtime')).toBe(true);
    // The default path is not Primus's: the application's listener answers there.
    const ws = rawClient(s, '/primus');
    ws.on('error', () => {});
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!)));
    expect(status).toBe(404);
    // A raw WebSocket on the custom path speaks Primus.
    const raw = rawClient(s, '/realtime');
    await next(raw, 'open');
  });

  it('closes with 1009 and ends the spark when a message is over maxLength', async () => {
    const s = await start(where, { maxLength: 64 });
    let dataEvents = 0;
    const sparkP = next<any>(s.primus, 'connection');
    const client = s.connect({ strategy: false });
    await next(client, 'open');
    const spark = await sparkP;
    spark.on('data', () => dataEvents++);
    const ended = next(spark, 'end');
    const disconnected = next(s.primus, 'disconnection');
    const clientEnded = next(client, 'end');
    const closeCode = new Promise<number>((resolve) => client.socket.on('close', (code: number) => resolve(code)));
    const sparkError = next<Error>(spark, 'error');
    client.write('x'.repeat(100)); // 102 bytes of JSON
    expect(await closeCode).toBe(1009);
    expect((await sparkError).message).toBe('Max payload size exceeded');
    await ended;
    await disconnected;
    await clientEnded;
    expect(dataEvents).toBe(0);
    expect(s.primus.connected).toBe(0);
  });

  it('accepts a message of exactly maxLength bytes', async () => {
    const s = await start(where, { maxLength: 64 });
    const sparkP = next<any>(s.primus, 'connection');
    const client = s.connect({ strategy: false });
    await next(client, 'open');
    const spark = await sparkP;
    const data = next(spark, 'data');
    client.write('y'.repeat(62)); // "yyy…" is 64 bytes of JSON
    expect(await data).toBe('y'.repeat(62));
  });

  it('sends ping heartbeats, hears pongs, and ends a client that stops answering', async () => {
    const s = await start(where, { pingInterval: 300 });
    const sparkP = next<any>(s.primus, 'connection');
    const client = s.connect();
    let pings = 0;
    client.on('incoming::ping', () => pings++);
    await next(client, 'open');
    const spark = await sparkP;
    let heartbeats = 0;
    spark.on('heartbeat', () => heartbeats++);
    await sleep(1000);
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(heartbeats).toBeGreaterThanOrEqual(2);
    expect(spark.readyState).toBe(3); // Spark.OPEN

    // A raw client that never answers `primus::ping::<ts>` is ended after a missed interval.
    const raw = rawClient(s);
    const frames: string[] = [];
    raw.on('message', (m) => frames.push((m as Buffer).toString()));
    const rawClosed = next<number>(raw, 'close', 3000);
    await rawClosed;
    expect(frames.some((f) => /^"primus::ping::\d+"$/.test(f))).toBe(true);
  });

  it('counts a WebSocket-level ping as a heartbeat', async () => {
    const s = await start(where, { pingInterval: false });
    const sparkP = next<any>(s.primus, 'connection');
    const raw = rawClient(s);
    await next(raw, 'open');
    const spark = await sparkP;
    const beat = next(spark, 'heartbeat');
    const pong = next(raw, 'pong');
    raw.ping('abc');
    await beat;
    expect(String(await pong)).toBe('abc');
  });

  it('carries binary through the binary parser in binary frames, and JSON in text frames', async () => {
    const s = await start(where, { parser: 'binary' });
    const frames: boolean[] = [];
     
    s.primus.on('connection', (spark: any) => {
      spark.socket.on('message', (_d: Buffer, isBinary: boolean) => frames.push(isBinary));
      spark.on('data', (data: unknown) => spark.write({ echo: data }));
    });
    const client = s.connect();
    await next(client, 'open');
    const payload = { bytes: Buffer.from([0, 1, 2, 254, 255]), text: 'héllo ☃', n: 42 };
    const reply = next<any>(client, 'data');
    client.write(payload);
    const got = await reply;
    expect(Buffer.from(got.echo.bytes)).toEqual(payload.bytes);
    expect(got.echo.text).toBe(payload.text);
    expect(got.echo.n).toBe(42);
    expect(frames).toEqual([true]);

    const j = await start(where);
    const textFrames: boolean[] = [];
     
    j.primus.on('connection', (spark: any) => {
      spark.socket.on('message', (_d: Buffer, isBinary: boolean) => textFrames.push(isBinary));
      spark.on('data', (data: unknown) => spark.write(data));
    });
    const jc = j.connect();
    await next(jc, 'open');
    const echoed = next(jc, 'data');
    jc.write({ utf8: 'ñ 日本 🚀', zero: 0 });
    expect(await echoed).toEqual({ utf8: 'ñ 日本 🚀', zero: 0 });
    expect(textFrames).toEqual([false]);
  });

  it('spark.end() closes the client for good; spark.end with reconnect makes it reconnect', async () => {
    const s = await start(where);
    const sparks: any[] = [];
    s.primus.on('connection', (spark: any) => sparks.push(spark));
    const client = s.connect({ reconnect: { min: 50, max: 100, retries: 3 } });
    await next(client, 'open');
    await sleep(20);
    expect(sparks).toHaveLength(1);

    // reconnect: true → no primus::server::close, the client reconnects to a new spark.
    const reconnected = next(client, 'reconnected');
    sparks[0].end(undefined, { reconnect: true });
    await reconnected;
    await sleep(20);
    expect(sparks).toHaveLength(2);
    expect(sparks[0].readyState).toBe(2); // Spark.CLOSED

    // A plain end: the client ends and does not come back.
    let reconnects = 0;
    client.on('reconnect scheduled', () => reconnects++);
    const ended = next(client, 'end');
    sparks[1].end({ bye: true });
    await ended;
    await sleep(300);
    expect(reconnects).toBe(0);
    expect(sparks).toHaveLength(2);
    expect(s.primus.connected).toBe(0);
  });

  it('client.end() ends the spark and emits disconnection', async () => {
    const s = await start(where);
    const sparkP = next<any>(s.primus, 'connection');
    const client = s.connect();
    await next(client, 'open');
    const spark = await sparkP;
    const ended = next(spark, 'end');
    const gone = next(s.primus, 'disconnection');
    client.end();
    await ended;
    expect(await gone).toBe(spark);
    expect(s.primus.connected).toBe(0);
  });

  it('reconnects after the connection drops', async () => {
    const s = await start(where);
    const sparks: any[] = [];
    s.primus.on('connection', (spark: any) => sparks.push(spark));
    const client = s.connect({ reconnect: { min: 50, max: 100, retries: 5 } });
    await next(client, 'open');
    await sleep(20);
    const scheduled = next(client, 'reconnect scheduled');
    const reconnected = next(client, 'reconnected');
    sparks[0].socket.terminate();
    await scheduled;
    await reconnected;
    await sleep(20);
    expect(sparks).toHaveLength(2);
    // The new connection works.
    const data = next(sparks[1], 'data');
    client.write('after reconnect');
    expect(await data).toBe('after reconnect');
  });

  it('destroy() ends every client and closes the server', async () => {
    const s = await startPrimus(where);
    const clients = [s.connect({ strategy: false }), s.connect({ strategy: false }), s.connect({ strategy: false })];
    await Promise.all(clients.map((c) => next(c, 'open')));
    const ends = clients.map((c) => next(c, 'end'));
    await new Promise<void>((resolve) => s.primus.destroy({ close: true }, () => resolve()));
    await Promise.all(ends);
    expect(s.server.listening).toBe(false);
  });

  it('answers plain HTTP on the Primus path with 426 and serves primus.js', async () => {
    const s = await start(where);
    const get = (path: string) =>
      new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        const target = s.socketPath ? { socketPath: s.socketPath, path } : `${s.httpUrl}${path}`;
        request(target, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
        })
          .on('error', reject)
          .end();
      });
    expect(await get('/primus/')).toEqual({ status: 426, type: 'text/plain', body: 'Upgrade Required' });
    expect(await get('/primus?x=1')).toEqual({ status: 426, type: 'text/plain', body: 'Upgrade Required' });
    const lib = await get('/primus/primus.js');
    expect(lib.status).toBe(200);
    expect(lib.body).toContain('outgoing::reconnect');
  });

  it('negotiates permessage-deflate only with compression: true', async () => {
    const plain = await start(where);
    const c1 = plain.connect();
    await next(c1, 'open');
    expect(c1.socket.extensions).toBe('');

    const s = await start(where, { compression: true });
    s.primus.on('connection', (spark: any) => spark.on('data', (d: unknown) => spark.write(d)));
    const c2 = s.connect();
    await next(c2, 'open');
    expect(c2.socket.extensions).toBe('permessage-deflate');
    const big = 'compressible '.repeat(20_000);
    const echoed = next(c2, 'data');
    c2.write(big);
    expect(await echoed).toBe(big);
  });
});

describe('UwsTransformer over HTTP', () => {
  it('serves the spec with the transformer it was given', async () => {
    const s = await start('tcp');
    const body = await new Promise<string>((resolve, reject) => {
      request(`${s.httpUrl}/primus/spec`, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    expect(JSON.parse(body).transformer).toBe('custom');
  });

  it('leaves a TLS connection on node:tls', async () => {
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const tlsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../native/test/fixtures/tls');
    const s = await startPrimus('tcp', {}, { cert: readFileSync(path.join(tlsDir, 'selfsigned.pem')), key: readFileSync(path.join(tlsDir, 'selfsigned.key')) });
    cleanups.push(() => s.close());
    const sparkP = next<any>(s.primus, 'connection');
    const client = s.connect({ transport: { rejectUnauthorized: false } });
    await next(client, 'open');
    const spark = await sparkP;
    expect(transportOf(spark)).toBe('node');
    const data = next(client, 'data');
    spark.write('over tls');
    expect(await data).toBe('over tls');
  });

  it('is the transformer class Primus instantiates', async () => {
    const s = await start('tcp');
    expect(s.primus.transformer).toBeInstanceOf(UwsTransformer);
  });
});
