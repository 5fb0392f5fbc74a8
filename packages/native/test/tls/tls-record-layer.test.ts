/**
 * The epoll transport's own TLS 1.3 record layer (server side, after OpenSSL's handshake):
 * every suite it takes over, the connections it leaves to OpenSSL, and records made by hand
 * for what node:tls never sends (KeyUpdate, padding, empty records, malformed ones), each
 * answered as RFC 8446 says.
 */
import { createHash } from 'node:crypto';
import type tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import type { TlsOptions } from '../../src/transport/tls-options.js';
import type { SocketId, Transport } from '../../src/transport/transport.js';
import { waitFor } from '../support/app-harness.js';
import { EPROTO, type EchoServer, craftingClient, echoServer, tlsClient } from '../support/tls-record-harness.js';
import { CONTENT, type RecordSealer, type Tls13SuiteName, keyUpdate } from '../support/tls13-records.js';

const text = (s: string) => Buffer.from(s);
const SUITES: Tls13SuiteName[] = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

describe('TLS 1.3 record layer (epoll server)', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });
  const start = (options: TlsOptions = {}, onOpen?: (t: Transport, id: SocketId) => void) => {
    const server = echoServer(options, onOpen);
    cleanups.push(() => server.transport.close());
    return server;
  };
  const client = async (server: EchoServer, options: tls.ConnectionOptions = {}) => {
    const c = await tlsClient(server.port, options);
    cleanups.push(() => c.socket.destroy());
    return c;
  };
  const crafting = async (server: EchoServer, options: tls.ConnectionOptions = {}) => {
    const c = await craftingClient(server, options);
    cleanups.push(c.close);
    return c;
  };

  describe.each(SUITES)('%s', (suite) => {
    it.each([0, 1, 4])('takes the records over and echoes small and large messages (%i tickets)', async (tickets) => {
      const server = start({ sessionTicketCount: tickets });
      const c = await client(server, { ciphers: suite });
      expect(c.socket.getCipher().standardName).toBe(suite);
      const big = Buffer.alloc(200_000);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
      const sent = Buffer.concat([text('hello'), big, text('bye')]);
      c.socket.write('hello');
      c.socket.write(big);
      c.socket.write('bye');
      await waitFor(() => c.bytes().length >= sent.length, 10_000, 'the echo');
      expect(c.bytes().equals(sent)).toBe(true);
      expect(server.infos.get(server.opens[0])?.ownRecordLayer).toBe(true);
    });
  });

  it('prefers AES-128-GCM, and ChaCha20-Poly1305 for a client that lists it first', async () => {
    const server = start();
    // node:tls lists AES-256-GCM first: the server's preference decides.
    expect((await client(server)).socket.getCipher().standardName).toBe('TLS_AES_128_GCM_SHA256');
    const chacha = await client(server, { ciphers: 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256' });
    expect(chacha.socket.getCipher().standardName).toBe('TLS_CHACHA20_POLY1305_SHA256');
    const own = start({ ciphersuites: 'TLS_AES_256_GCM_SHA384' });
    expect((await client(own)).socket.getCipher().standardName).toBe('TLS_AES_256_GCM_SHA384');
  });

  it('takes over resumed sessions too', async () => {
    const server = start();
    const first = await client(server);
    first.socket.write('one');
    await waitFor(() => first.bytes().toString() === 'one', 5000, 'first echo');
    // The ticket came before the echo.
    const session = first.socket.getSession();
    const second = await client(server, { session });
    expect(second.socket.isSessionReused()).toBe(true);
    expect(session).toBeDefined();
    second.socket.write('two');
    await waitFor(() => second.bytes().toString() === 'two', 5000, 'second echo');
    const info = server.infos.get(server.opens[1]);
    expect(info?.resumed).toBe(true);
    expect(info?.ownRecordLayer).toBe(true);
    expect(info?.alpnProtocol).toBe('');
  });

  it('leaves TLS 1.2, the CCM suites and ownRecordLayer: false to OpenSSL', async () => {
    const cases: Array<[TlsOptions, tls.ConnectionOptions]> = [
      [{}, { maxVersion: 'TLSv1.2' }],
      [{ ciphersuites: 'TLS_AES_128_CCM_SHA256' }, { ciphers: 'TLS_AES_128_CCM_SHA256' }],
      [{ ownRecordLayer: false }, {}],
    ];
    for (const [serverOptions, clientOptions] of cases) {
      const server = start(serverOptions);
      const c = await client(server, clientOptions);
      c.socket.write('still works');
      await waitFor(() => c.bytes().toString() === 'still works', 5000, 'echo');
      expect(server.infos.get(server.opens[0])?.ownRecordLayer).toBe(false);
    }
  });

  it('keeps ALPN, which the SSL no longer holds, for later questions', async () => {
    const server = start();
    const c = await client(server, { ALPNProtocols: ['http/1.1'] });
    c.socket.write('x');
    await waitFor(() => c.bytes().length === 1, 5000, 'echo');
    expect(server.transport.tlsInfo!(server.opens[0])).toMatchObject({ alpnProtocol: 'http/1.1', ownRecordLayer: true });
  });

  it('keeps every byte of a large write the socket takes in pieces', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024 + 13);
    for (let i = 0; i < big.length; i++) big[i] = (i * 131 + (i >> 11)) & 0xff;
    const server = start({}, (t, id) => t.write(id, big));
    const c = await client(server);
    c.socket.pause(); // the server's socket fills up: partial sends keep their sealed bytes
    await new Promise((r) => setTimeout(r, 200));
    expect(server.transport.bufferedAmount(server.opens[0])).toBeGreaterThan(0);
    c.socket.resume();
    await waitFor(() => c.bytes().length >= big.length, 20_000, 'all bytes');
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(digest(c.bytes())).toBe(digest(big));
  });

  it('reads records of any padding, empty ones, and many in one segment', async () => {
    const server = start();
    const c = await crafting(server);
    const { sealer } = c;
    c.send(
      sealer.seal(CONTENT.applicationData, text('a')),
      sealer.seal(CONTENT.applicationData, Buffer.alloc(0)),
      sealer.seal(CONTENT.applicationData, text('b'), { padding: 300 }),
      sealer.seal(CONTENT.applicationData, Buffer.alloc(0), { padding: 16_384 }),
      sealer.seal(CONTENT.applicationData, text('c')),
    );
    await waitFor(() => c.text() === 'abc', 5000, 'echo of a, b, c');
    // A record split at every byte still arrives whole.
    const split = sealer.seal(CONTENT.applicationData, text('split'));
    for (const byte of split) {
      c.send(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => c.text() === 'abcsplit', 5000, 'echo of a record sent byte by byte');
    expect(server.closes.size).toBe(0);
  });

  it('follows a KeyUpdate, and answers one that asks for ours', async () => {
    const server = start();
    const c = await crafting(server);
    const { sealer } = c;
    c.send(sealer.seal(CONTENT.applicationData, text('before;')));
    await waitFor(() => c.text() === 'before;', 5000, 'first echo');
    // update_requested: the server must update its own keys before its next record, which
    // node:tls (OpenSSL) can only read if it did.
    c.send(sealer.seal(CONTENT.handshake, keyUpdate(1)));
    sealer.advance();
    c.send(sealer.seal(CONTENT.applicationData, text('after;')));
    await waitFor(() => c.text() === 'before;after;', 5000, 'echo after the key update');
    // update_not_requested, split across two records.
    const message = keyUpdate(0);
    c.send(sealer.seal(CONTENT.handshake, message.subarray(0, 2)), sealer.seal(CONTENT.handshake, message.subarray(2)));
    sealer.advance();
    c.send(sealer.seal(CONTENT.applicationData, text('again')));
    await waitFor(() => c.text() === 'before;after;again', 5000, 'echo after the second update');
    expect(c.errors).toEqual([]);
    expect(server.closes.size).toBe(0);
  });

  it('closes cleanly on close_notify and answers it; bytes after it are ignored', async () => {
    // Like a FIN on plain TCP, close_notify ends the connection: what came before it is
    // delivered, nothing is sent back but our own close_notify.
    const server = start();
    const c = await crafting(server);
    const { sealer } = c;
    c.send(
      sealer.seal(CONTENT.applicationData, text('last')),
      sealer.seal(CONTENT.alert, Buffer.from([1, 0])),
      sealer.seal(CONTENT.applicationData, text('ignored')),
    );
    await waitFor(() => server.closes.has(c.id), 5000, 'the server closes');
    expect(server.closes.get(c.id)?.errno).toBe(0);
    await waitFor(() => c.ended(), 5000, 'the client reads our close_notify');
    expect(server.received.get(c.id)).toBe('last');
    expect(c.errors).toEqual([]);
  });

  it('treats a truncated record before the peer FIN as the end of the connection', async () => {
    const server = start();
    const c = await crafting(server);
    const record = c.sealer.seal(CONTENT.applicationData, text('never whole'));
    c.finish(record.subarray(0, record.length - 3));
    await waitFor(() => server.closes.has(c.id), 5000, 'the server closes');
    expect(server.closes.get(c.id)?.errno).toBe(0);
    expect(c.text()).toBe('');
  });

  it('ends the connection on a fatal alert from the peer', async () => {
    const server = start();
    const c = await crafting(server);
    c.send(c.sealer.seal(CONTENT.alert, Buffer.from([2, 40])));
    await waitFor(() => server.closes.has(c.id), 5000, 'the server closes');
    expect(server.closes.get(c.id)).toEqual({ errno: EPROTO, error: 'TLS: the peer sent a fatal alert: handshake failure' });
  });

  // Each malformed input, what the server must say (the alert node:tls reports), and why.
  const malformed: Array<[string, (s: RecordSealer) => Buffer[], RegExp, RegExp]> = [
    ['a record whose tag does not verify', (s) => [s.seal(CONTENT.applicationData, text('x'), { tamper: true })], /bad record mac/, /failed authentication/],
    ['a change_cipher_spec after the handshake', () => [Buffer.from([20, 3, 3, 0, 1, 1])], /unexpected message/, /unprotected record/],
    ['a plaintext application record', () => [Buffer.from([23, 3, 3, 0, 2, 104, 105])], /bad record mac/, /too short/],
    ['a record longer than 2^14 + 256', () => [Buffer.from([23, 3, 3, 0x41, 0x01]), Buffer.alloc(100)], /record overflow/, /2\^14 \+ 256/],
    ['more than 2^14 + 1 bytes of inner plaintext', (s) => [s.seal(CONTENT.applicationData, Buffer.alloc(16_385))], /record overflow/, /2\^14 \+ 1/],
    ['an inner plaintext of zeros only', (s) => [s.seal(0, Buffer.alloc(0), { padding: 10 })], /unexpected message/, /without a content type/],
    ['an unknown inner content type', (s) => [s.seal(99, text('?'))], /unexpected message/, /unexpected content type/],
    ['a post-handshake NewSessionTicket from the client', (s) => [s.seal(CONTENT.handshake, Buffer.from([4, 0, 0, 0]))], /unexpected message/, /post-handshake message/],
    ['a KeyUpdate with request_update 2', (s) => [s.seal(CONTENT.handshake, keyUpdate(2))], /illegal parameter/, /invalid request_update/],
    ['a KeyUpdate of the wrong length', (s) => [s.seal(CONTENT.handshake, Buffer.from([24, 0, 0, 2, 0, 0]))], /decode error/, /malformed KeyUpdate/],
    ['a KeyUpdate with bytes after it', (s) => [s.seal(CONTENT.handshake, Buffer.from([24, 0, 0, 1, 0, 24]))], /unexpected message/, /after a KeyUpdate/],
    ['an empty handshake record', (s) => [s.seal(CONTENT.handshake, Buffer.alloc(0))], /unexpected message/, /empty handshake/],
    ['application data inside a split handshake message', (s) => [s.seal(CONTENT.handshake, Buffer.from([24, 0])), s.seal(CONTENT.applicationData, text('x'))], /unexpected message/, /interleaved/],
    ['an alert of three bytes', (s) => [s.seal(CONTENT.alert, Buffer.from([1, 0, 0]))], /decode error/, /malformed alert/],
  ];

  it.each(malformed)('refuses %s with the right alert, and keeps serving', async (_name, records, alert, reason) => {
    const server = start();
    const c = await crafting(server);
    c.send(...records(c.sealer));
    await waitFor(() => server.closes.has(c.id), 5000, 'the server closes the connection');
    const closed = server.closes.get(c.id)!;
    expect(closed.errno).toBe(EPROTO);
    expect(closed.error).toMatch(reason);
    await waitFor(() => c.errors.length > 0 || c.ended(), 5000, 'the client hears of it');
    expect(String(c.errors[0]?.message)).toMatch(alert);
    // The server is unharmed: the next connection echoes.
    const next = await client(server);
    next.socket.write('ok');
    await waitFor(() => next.bytes().toString() === 'ok', 5000, 'echo on the next connection');
  });
});
