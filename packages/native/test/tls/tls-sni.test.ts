import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { App, type TemplatedApp } from '../../src/app/app.js';
import { nextMessage, waitFor } from '../support/app-harness.js';
import { CA, CLIENT, EXPIRED, LOCALHOST, OTHER } from '../support/tls-fixtures.js';
import { type TlsListening, listenTls, peerName, tlsConnect } from '../support/tls-harness.js';
import { transportKinds } from '../support/transports.js';

const echo = (app: TemplatedApp): void => {
  app.ws('/*', { message: (ws, message, isBinary) => void ws.send(message, isBinary) });
};

describe.each(transportKinds)('TLS server names and certificates (%s)', (transport) => {
  let server: TlsListening | undefined;
  const sockets: Array<{ destroy(): void }> = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
    server?.app.close();
    server = undefined;
  });

  async function nameSeen(servername: string | undefined): Promise<string> {
    const socket = await tlsConnect(server!.port, { ca: CA, servername, rejectUnauthorized: false });
    sockets.push(socket);
    return peerName(socket);
  }

  it('selects the certificate by SNI: exact, wildcard, default; removeServerName falls back', async () => {
    server = await listenTls(transport, echo);
    server.app.addServerName('other.test', OTHER).addServerName('*.wild.test', OTHER);
    expect(await nameSeen('localhost')).toBe('localhost');
    expect(await nameSeen('other.test')).toBe('other.test');
    expect(await nameSeen('OTHER.test')).toBe('other.test');
    expect(await nameSeen('a.wild.test')).toBe('other.test');
    expect(await nameSeen('a.b.wild.test')).toBe('localhost'); // a wildcard covers one label
    expect(await nameSeen(undefined)).toBe('localhost');
    server.app.removeServerName('other.test');
    expect(await nameSeen('other.test')).toBe('localhost');
    // The verified path: a client that checks the name gets a certificate that passes.
    const verified = await tlsConnect(server.port, { ca: CA, servername: 'x.wild.test' });
    sockets.push(verified);
    expect(verified.authorized).toBe(true);
  });

  it('asks missingServerName about unknown names; a name added there serves that very client', async () => {
    server = await listenTls(transport, echo);
    const asked: string[] = [];
    server.app.missingServerName((host) => {
      asked.push(host);
      if (host === 'other.test') server!.app.addServerName(host, OTHER);
    });
    expect(await nameSeen('other.test')).toBe('other.test');
    expect(await nameSeen('nobody.test')).toBe('localhost');
    expect(await nameSeen('other.test')).toBe('other.test'); // known now: not asked again
    expect(asked).toEqual(['other.test', 'nobody.test']);
  });

  it('reloads the certificate without a restart; open connections keep working', async () => {
    server = await listenTls(transport, echo);
    const ws = new WebSocket(server.url, { ca: CA });
    await once(ws, 'open');
    sockets.push({ destroy: () => ws.terminate() });
    expect(await nameSeen('localhost')).toBe('localhost');
    server.app.reloadTls(OTHER);
    expect(await nameSeen('localhost')).toBe('other.test');
    // Bad new options are refused and the current ones stay.
    expect(() => server!.app.reloadTls({ key: OTHER.key, cert: LOCALHOST.cert })).toThrow(/match|key/i);
    expect(await nameSeen('localhost')).toBe('other.test');
    const reply = nextMessage(ws);
    ws.send('still here');
    expect((await reply).data.toString()).toBe('still here');
  });

  it('verifies client certificates on request', async () => {
    server = await listenTls(transport, echo, { requestCert: true, ca: CA });
    const ok = new WebSocket(server.url, { ca: CA, ...CLIENT });
    await once(ok, 'open');
    sockets.push({ destroy: () => ok.terminate() });
    // Without a certificate (TLS 1.3: refused right after the client's handshake).
    const refused = new WebSocket(server.url, { ca: CA });
    const [error] = (await once(refused, 'error')) as [Error];
    expect(error.message).toMatch(/certificate|alert|socket hang up|ECONNRESET/i);
    // A certificate from another CA is refused too.
    const untrusted = new WebSocket(server.url, { ca: CA, ...EXPIRED });
    await once(untrusted, 'error');
  });

  it('lets a client without a certificate in when rejectUnauthorized is false', async () => {
    server = await listenTls(transport, echo, { requestCert: true, rejectUnauthorized: false, ca: CA });
    const ws = new WebSocket(server.url, { ca: CA });
    await once(ws, 'open');
    ws.close();
  });

  it('plain apps refuse the TLS-only methods', () => {
    const app = App({ transport });
    try {
      expect(() => app.addServerName('x.test', OTHER)).toThrow(/does not serve TLS/);
      expect(() => app.reloadTls(OTHER)).toThrow(/does not serve TLS/);
    } finally {
      app.close();
    }
  });
});

describe.each(transportKinds)('TLS sockets from a foreign https.Server (%s)', (transport) => {
  it('are taken by App.handleUpgrade (on node:tls, under the same app) and echo', async () => {
    let closes = 0;
    const app = App({ transport });
    app.ws('/*', {
      message: (ws, message, isBinary) => void ws.send(message, isBinary),
      close: () => {
        closes++;
      },
    });
    const server = https.createServer(LOCALHOST);
    server.on('upgrade', (req, socket, head) => app.handleUpgrade(req, socket, head));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `wss://localhost:${(server.address() as AddressInfo).port}/`;
      const clients = await Promise.all([1, 2, 3].map(async () => {
        const ws = new WebSocket(url, { ca: CA });
        await once(ws, 'open');
        return ws;
      }));
      for (const [i, ws] of clients.entries()) {
        const reply = nextMessage(ws);
        ws.send(`through https ${i}`);
        expect((await reply).data.toString()).toBe(`through https ${i}`);
      }
      clients[0].close();
      await once(clients[0], 'close');
      await waitFor(() => closes === 1);
      // app.close() ends the rest, close handlers included.
      app.close();
      await Promise.all(clients.slice(1).map((ws) => once(ws, 'close')));
      expect(closes).toBe(3);
    } finally {
      app.close();
      server.close();
      server.closeAllConnections();
    }
  });
});
