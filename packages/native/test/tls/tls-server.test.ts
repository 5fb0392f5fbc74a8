import { once } from 'node:events';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SSLApp, type TemplatedApp } from '../../src/app/app.js';
import { nextMessage, waitFor } from '../support/app-harness.js';
import { CA, ENCRYPTED_KEY, LOCALHOST, PASSPHRASE, fixtureDir } from '../support/tls-fixtures.js';
import { type TlsListening, listenTls, tlsConnect } from '../support/tls-harness.js';
import { transportKinds } from '../support/transports.js';

const echo = (app: TemplatedApp): void => {
  app.ws('/*', {
    maxPayloadLength: 64 * 1024 * 1024,
    maxBackpressure: 64 * 1024 * 1024,
    message: (ws, message, isBinary) => {
      ws.send(message, isBinary);
    },
  });
};

async function openWss(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, { ca: CA, ...options });
  await once(ws, 'open');
  return ws;
}

describe.each(transportKinds)('TLS server (%s)', (transport) => {
  let server: TlsListening | undefined;
  const sockets: Array<{ destroy(): void }> = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
    server?.app.close();
    server = undefined;
  });

  it('echoes over wss:// with the ws client, small and large messages in order', async () => {
    server = await listenTls(transport, echo);
    const ws = await openWss(server.url);
    sockets.push({ destroy: () => ws.terminate() });
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const received: Buffer[] = [];
    ws.on('message', (data: Buffer) => received.push(data));
    ws.send('hello');
    ws.send(big);
    for (let i = 0; i < 200; i++) ws.send(`m${i}`);
    await waitFor(() => received.length === 202, 20_000);
    expect(received[0].toString()).toBe('hello');
    expect(received[1].equals(big)).toBe(true);
    expect(received.slice(2).map(String)).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
    ws.close();
  });

  it('negotiates ALPN http/1.1 and TLS 1.3 with a node:tls client', async () => {
    server = await listenTls(transport, echo);
    const socket = await tlsConnect(server.port, { ca: CA, servername: 'localhost', ALPNProtocols: ['h2', 'http/1.1'] });
    sockets.push(socket);
    expect(socket.alpnProtocol).toBe('http/1.1');
    expect(socket.getProtocol()).toBe('TLSv1.3');
    expect(socket.authorized).toBe(true);
    // Plain HTTP over the TLS connection reaches the app's router (426: a WebSocket route).
    socket.write('GET /nothing HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    expect(chunk.toString('latin1')).toMatch(/^HTTP\/1\.1 426/);
  });

  it('serves TLS 1.2 by default and refuses it with minVersion TLSv1.3', async () => {
    server = await listenTls(transport, echo);
    const old = await tlsConnect(server.port, { ca: CA, servername: 'localhost', maxVersion: 'TLSv1.2' });
    sockets.push(old);
    expect(old.getProtocol()).toBe('TLSv1.2');
    server.app.close();
    server = await listenTls(transport, echo, { minVersion: 'TLSv1.3' });
    await expect(tlsConnect(server.port, { ca: CA, servername: 'localhost', maxVersion: 'TLSv1.2' })).rejects.toThrow();
    const modern = await tlsConnect(server.port, { ca: CA, servername: 'localhost' });
    sockets.push(modern);
    expect(modern.getProtocol()).toBe('TLSv1.3');
  });

  it('restricts TLS 1.2 ciphers as configured', async () => {
    server = await listenTls(transport, echo, { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    const socket = await tlsConnect(server.port, { ca: CA, servername: 'localhost', maxVersion: 'TLSv1.2' });
    sockets.push(socket);
    expect(socket.getCipher().standardName).toBe('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
  });

  it('loads an encrypted key with its passphrase, and key/cert from file names', async () => {
    server = await listenTls(transport, echo, {
      key_file_name: join(fixtureDir, 'localhost-encrypted.key'),
      cert_file_name: join(fixtureDir, 'localhost.pem'),
      key: undefined,
      cert: undefined,
      passphrase: PASSPHRASE,
      dh_params_file_name: join(fixtureDir, 'dhparams.pem'),
    });
    const ws = await openWss(server.url);
    const reply = nextMessage(ws);
    ws.send('pass');
    expect((await reply).data.toString()).toBe('pass');
    ws.close();
  });

  it('refuses bad TLS options with a clear error', () => {
    const make = (options: object) => () => SSLApp({ transport, ...options }).close();
    expect(make({ key: ENCRYPTED_KEY, cert: LOCALHOST.cert, passphrase: 'wrong' })).toThrow(/key|passphrase|decrypt|bad/i);
    expect(make({ cert: LOCALHOST.cert })).toThrow(/key and cert/);
    expect(make({ key: LOCALHOST.key, cert: '-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n' })).toThrow();
    expect(make({ key_file_name: join(fixtureDir, 'no-such-file.key'), cert: LOCALHOST.cert })).toThrow(/cannot read/);
    expect(make({ ...LOCALHOST, ciphers: 'NOT-A-CIPHER' })).toThrow(/cipher/i);
  });

  it('reports the remote address of a TLS connection', async () => {
    let address = '';
    server = await listenTls(transport, (app) =>
      app.ws('/*', {
        open: (ws) => {
          address = Buffer.from(ws.getRemoteAddressAsText()).toString();
        },
      }),
    );
    const ws = await openWss(server.url);
    await waitFor(() => address !== '');
    expect(address).toMatch(/127\.0\.0\.1/);
    ws.close();
  });
});

// Session resumption with a ticket: the second handshake is abbreviated.
describe.each(transportKinds)('TLS session tickets (%s)', (transport) => {
  it('resumes a session from a ticket', async () => {
    const server = await listenTls(transport, echo);
    try {
      const first = tls.connect({ host: '127.0.0.1', port: server.port, ca: CA, servername: 'localhost' });
      const [session] = (await once(first, 'session')) as [Buffer];
      first.destroy();
      const second = await tlsConnect(server.port, { ca: CA, servername: 'localhost', session });
      expect(second.isSessionReused()).toBe(true);
      second.destroy();
    } finally {
      server.app.close();
    }
  });
});
