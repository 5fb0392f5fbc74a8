import { constants } from 'node:crypto';
import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { TemplatedApp } from '../../src/app/app.js';
import { Client } from '../../src/client/client.js';
import type { TlsOptions } from '../../src/transport/tls-options.js';
import { CA, LOCALHOST } from '../support/tls-fixtures.js';
import { type TlsListening, listenTls } from '../support/tls-harness.js';
import { transportKinds } from '../support/transports.js';

const echo = (app: TemplatedApp): void => {
  app.ws('/*', { message: (ws, message, isBinary) => void ws.send(message, isBinary) });
};

/**
 * A node:tls connection to our server that completes a WebSocket upgrade (so the server's
 * post-handshake flight, TLS 1.3 tickets included, has been read); resolves with the session
 * the client holds then, whether it resumed, and how many sessions (tickets) it received.
 */
async function handshake(
  port: number,
  options: tls.ConnectionOptions,
): Promise<{ session: Buffer | undefined; reused: boolean; protocol: string | null; tickets: number }> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: CA, servername: 'localhost', ...options });
  let tickets = 0;
  socket.on('session', () => tickets++);
  await once(socket, 'secureConnect');
  socket.write(
    'GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const [head] = (await once(socket, 'data')) as [Buffer];
  expect(head.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
  const result = { session: socket.getSession(), reused: socket.isSessionReused(), protocol: socket.getProtocol(), tickets };
  socket.destroy();
  return result;
}

// TLS 1.2 without tickets: the client offers the session id, the server finds it in its cache.
const TLS12_NO_TICKET: tls.ConnectionOptions = { maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET };

describe.each(transportKinds)('TLS server session resumption (%s)', (transport) => {
  let server: TlsListening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });
  const start = async (options: TlsOptions = {}) => {
    server = await listenTls(transport, echo, options);
    return server.port;
  };

  it('resumes TLS 1.2 by session id from its cache', async () => {
    const port = await start();
    const first = await handshake(port, TLS12_NO_TICKET);
    expect(first).toMatchObject({ reused: false, protocol: 'TLSv1.2' });
    const second = await handshake(port, { ...TLS12_NO_TICKET, session: first.session });
    expect(second).toMatchObject({ reused: true, protocol: 'TLSv1.2' });
  });

  it('does not resume by session id with sessionCacheSize 0', async () => {
    const port = await start({ sessionCacheSize: 0 });
    const first = await handshake(port, TLS12_NO_TICKET);
    const second = await handshake(port, { ...TLS12_NO_TICKET, session: first.session });
    expect(second.reused).toBe(false);
  });

  it('keeps at most sessionCacheSize sessions, dropping the oldest', async () => {
    const port = await start({ sessionCacheSize: 2 });
    const sessions: Array<Buffer | undefined> = [];
    for (let i = 0; i < 3; i++) sessions.push((await handshake(port, TLS12_NO_TICKET)).session);
    // (A resumed handshake adds nothing; a full one would evict again, so it comes last.)
    expect((await handshake(port, { ...TLS12_NO_TICKET, session: sessions[2] })).reused).toBe(true);
    expect((await handshake(port, { ...TLS12_NO_TICKET, session: sessions[1] })).reused).toBe(true);
    expect((await handshake(port, { ...TLS12_NO_TICKET, session: sessions[0] })).reused).toBe(false);
  });

  it('resumes TLS 1.2 and TLS 1.3 from tickets, without the cache', async () => {
    const port = await start({ sessionCacheSize: 0 });
    const first12 = await handshake(port, { maxVersion: 'TLSv1.2' });
    expect((await handshake(port, { maxVersion: 'TLSv1.2', session: first12.session })).reused).toBe(true);
    const first13 = await handshake(port, { minVersion: 'TLSv1.3' });
    expect(first13.protocol).toBe('TLSv1.3');
    const second13 = await handshake(port, { minVersion: 'TLSv1.3', session: first13.session });
    expect(second13).toMatchObject({ reused: true, protocol: 'TLSv1.3' });
  });

  it('with sessionTickets false only the TLS 1.2 cache resumes; without it nothing does', async () => {
    const port = await start({ sessionTickets: false });
    const first12 = await handshake(port, { maxVersion: 'TLSv1.2' });
    expect((await handshake(port, { maxVersion: 'TLSv1.2', session: first12.session })).reused).toBe(true);
    const native13 = await handshake(port, { minVersion: 'TLSv1.3' });
    // (node:tls still sends TLS 1.3 tickets that name a cached session; the addon sends none.)
    if (transport === 'epoll') expect(native13.tickets).toBe(0);
    server?.app.close();
    const uncached = await start({ sessionTickets: false, sessionCacheSize: 0 });
    for (const version of [{ maxVersion: 'TLSv1.2' }, { minVersion: 'TLSv1.3' }] as const) {
      const first = await handshake(uncached, version);
      expect((await handshake(uncached, { ...version, session: first.session })).reused).toBe(false);
    }
  });

  it('sends one TLS 1.3 ticket per handshake by default, and it resumes', async () => {
    const port = await start();
    const first = await handshake(port, { minVersion: 'TLSv1.3' });
    // (node:tls cannot change OpenSSL's default of two.)
    expect(first.tickets).toBe(transport === 'epoll' ? 1 : 2);
    const second = await handshake(port, { minVersion: 'TLSv1.3', session: first.session });
    expect(second).toMatchObject({ reused: true, protocol: 'TLSv1.3' });
    // A resumed handshake brings the next ticket, so a client that reconnects never runs out.
    if (transport === 'epoll') expect(second.tickets).toBe(1);
    expect((await handshake(port, { minVersion: 'TLSv1.3', session: second.session })).reused).toBe(true);
  });

  it('sends sessionTicketCount TLS 1.3 tickets; 0 sends none and resumes nothing (epoll)', async () => {
    // node:tls has no such setting: it keeps OpenSSL's two, as documented.
    const epoll = transport === 'epoll';
    const port = await start({ sessionTicketCount: 3 });
    expect((await handshake(port, { minVersion: 'TLSv1.3' })).tickets).toBe(epoll ? 3 : 2);
    server?.app.close();
    const none = await start({ sessionTicketCount: 0 });
    const first = await handshake(none, { minVersion: 'TLSv1.3' });
    expect(first.tickets).toBe(epoll ? 0 : 2);
    expect((await handshake(none, { minVersion: 'TLSv1.3', session: first.session })).reused).toBe(!epoll);
    // TLS 1.2 tickets are not counted by it.
    const first12 = await handshake(none, { maxVersion: 'TLSv1.2' });
    expect((await handshake(none, { maxVersion: 'TLSv1.2', session: first12.session })).reused).toBe(true);
  });

  it('resumes a TLS 1.3 ticket issued before reloadTls', async () => {
    const port = await start();
    const first = await handshake(port, {});
    expect(first).toMatchObject({ reused: false, protocol: 'TLSv1.3' });
    server!.app.reloadTls(LOCALHOST);
    expect((await handshake(port, { session: first.session })).reused).toBe(true);
  });

  it('refuses bad cache options with a clear error', async () => {
    await expect(start({ sessionCacheSize: -1 })).rejects.toThrow(/sessionCacheSize/);
    await expect(start({ sessionTimeout: 0 })).rejects.toThrow(/sessionTimeout/);
    for (const bad of [-1, 1.5, 17, Number.NaN]) {
      await expect(start({ sessionTicketCount: bad })).rejects.toThrow(/sessionTicketCount must be an integer from 0 to 16/);
    }
  });
});

/** Node's https.Server + ws echo; records for each TLS connection whether it was resumed. */
async function nodeWssServer(options: https.ServerOptions = {}, keepSessionIds = false) {
  const resumed: boolean[] = [];
  const server = https.createServer({ ...LOCALHOST, ...options });
  if (keepSessionIds) {
    // node:tls keeps server sessions by id only through these events.
    const sessions = new Map<string, Buffer>();
    server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
      sessions.set(id.toString('hex'), data);
      done();
    });
    server.on('resumeSession', (id: Buffer, done: (error: Error | null, data: Buffer | null) => void) =>
      done(null, sessions.get(id.toString('hex')) ?? null),
    );
  }
  server.on('secureConnection', (socket: tls.TLSSocket) => resumed.push(socket.isSessionReused()));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `wss://localhost:${(server.address() as AddressInfo).port}/`,
    resumed,
    close: () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.close();
      server.closeAllConnections();
    },
  };
}

/** Opens a Client, echoes one message, closes; rejects on an error. */
async function echoOnce(url: string, options: ConstructorParameters<typeof Client>[1]): Promise<void> {
  const client = new Client(url, options);
  await new Promise<void>((resolve, reject) => {
    client.on('error', reject);
    client.on('open', () => client.send('hello', false));
    client.on('message', (data) => {
      expect(data.toString()).toBe('hello');
      client.close();
    });
    client.on('close', () => resolve());
  });
}

describe.each(transportKinds)('wss:// Client session resumption (%s)', (transport) => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('resumes its previous session with the same server (%s)', async (version) => {
    const server = await nodeWssServer({ minVersion: version, maxVersion: version });
    cleanups.push(server.close);
    for (let i = 0; i < 3; i++) await echoOnce(server.url, { transport, tls: { ca: CA } });
    expect(server.resumed).toEqual([false, true, true]);
  });

  it('resumes by session id when the server issues no tickets (TLS 1.2)', async () => {
    const server = await nodeWssServer({ maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET }, true);
    cleanups.push(server.close);
    for (let i = 0; i < 2; i++) await echoOnce(server.url, { transport, tls: { ca: CA } });
    expect(server.resumed).toEqual([false, true]);
  });

  it('does a full handshake every time with maxCachedSessions 0', async () => {
    const server = await nodeWssServer();
    cleanups.push(server.close);
    for (let i = 0; i < 2; i++) await echoOnce(server.url, { transport, tls: { ca: CA, maxCachedSessions: 0 } });
    expect(server.resumed).toEqual([false, false]);
  });

  it('never resumes a session under other TLS options (here: another CA bundle)', async () => {
    const server = await nodeWssServer();
    cleanups.push(server.close);
    await echoOnce(server.url, { transport, tls: { ca: CA } });
    await echoOnce(server.url, { transport, tls: { ca: [CA, CA].join('\n') } });
    expect(server.resumed).toEqual([false, false]);
  });
});
