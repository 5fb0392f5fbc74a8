/**
 * The `wss:` client: on the native TLS client where its options allow, on node:tls otherwise,
 * against ws's server on Node's https — and failing with the errors ws's own client reports.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import RealWS, { WebSocketServer as RealServer } from 'ws';
import { WebSocket } from '../src/index.js';
import { epoll } from './support/helpers.js';

// The TLS test material of @uws/native (a CA, certificates signed by it, an expired and a
// self-signed one): see its README there.
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../native/test/fixtures/tls');
const pem = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));
const CA = pem('ca.pem');

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** ws's server on an https.Server with `cert`/`key`, echoing with a prefix. */
async function httpsEcho(certName: string, keyName: string, options: https.ServerOptions = {}): Promise<number> {
  const server = https.createServer({ cert: pem(certName), key: pem(keyName), ...options });
  const wss = new RealServer({ server });
  wss.on('connection', (s, req) => {
    const peer = (req.socket as unknown as { getPeerCertificate(): { subject?: { CN?: string } } }).getPeerCertificate();
    s.on('message', (d) => s.send(`tls:${(d as Buffer).toString()}${peer.subject?.CN ? ` from ${peer.subject.CN}` : ''}`));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

type AnyWs = WebSocket | RealWS;

/** What a client saw: the error's code (and message), then the close code. */
async function outcome(ws: AnyWs): Promise<{ code: string | undefined; message: string; close: number }> {
  let code: string | undefined;
  let message = '';
  ws.on('error', (e: NodeJS.ErrnoException) => {
    code = e.code;
    message = e.message;
  });
  // events.once would reject on 'error': wait for 'close' by hand.
  const close = await new Promise<number>((resolve) => ws.on('close', (c: number) => resolve(c)));
  return { code, message, close };
}

function transportOf(ws: WebSocket): string {
  return (ws as unknown as { _socket: { _hub: { transport: { kind: string } } } })._socket._hub.transport.kind;
}

async function echo(ws: WebSocket, text: string): Promise<string> {
  cleanups.push(() => ws.terminate());
  await once(ws, 'open');
  ws.send(text);
  const [data] = (await once(ws, 'message')) as [Buffer];
  return data.toString();
}

describe.runIf(epoll)('wss: client on the native TLS client', () => {
  it('connects with a custom CA, verifies the name, and echoes', async () => {
    const port = await httpsEcho('localhost.pem', 'localhost.key');
    const ws = new WebSocket(`wss://localhost:${port}/`, { ca: CA });
    expect(await echo(ws, 'x')).toBe('tls:x');
    expect(transportOf(ws)).toBe('epoll');
    expect((ws as unknown as { _socket: { encrypted: boolean } })._socket.encrypted).toBe(true);
    // An IP literal is checked against the certificate's IP addresses.
    const byIp = new WebSocket(`wss://127.0.0.1:${port}/`, { ca: CA });
    expect(await echo(byIp, 'y')).toBe('tls:y');
  });

  it('sends a client certificate to a server that asks for one', async () => {
    const port = await httpsEcho('localhost.pem', 'localhost.key', { ca: CA, requestCert: true, rejectUnauthorized: true });
    const ws = new WebSocket(`wss://localhost:${port}/`, { ca: CA, cert: pem('client.pem'), key: pem('client.key') });
    expect(await echo(ws, 'c')).toMatch(/^tls:c from /);
    expect(transportOf(ws)).toBe('epoll');
  });

  it('takes an encrypted key with its passphrase, and the CA as an array', async () => {
    const port = await httpsEcho('localhost.pem', 'localhost-encrypted.key', { passphrase: 'correct-horse' });
    const ws = new WebSocket(`wss://localhost:${port}/`, { ca: [CA, pem('selfsigned.pem')] });
    expect(await echo(ws, 'a')).toBe('tls:a');
    expect(transportOf(ws)).toBe('epoll');
  });

  it('rejectUnauthorized: false accepts a self-signed certificate', async () => {
    const port = await httpsEcho('selfsigned.pem', 'selfsigned.key');
    const ws = new WebSocket(`wss://localhost:${port}/`, { rejectUnauthorized: false });
    expect(await echo(ws, 's')).toBe('tls:s');
    expect(transportOf(ws)).toBe('epoll');
  });

  it.each([
    ['a self-signed certificate', 'selfsigned.pem', 'selfsigned.key', {}],
    ['an expired certificate', 'expired.pem', 'expired.key', { ca: CA }],
    ['a certificate from an unknown CA', 'localhost.pem', 'localhost.key', {}],
  ])('refuses %s with the error ws reports', async (_what, cert, key, options) => {
    const port = await httpsEcho(cert, key);
    const theirs = await outcome(new RealWS(`wss://localhost:${port}/`, options));
    const ours = await outcome(new WebSocket(`wss://localhost:${port}/`, options));
    expect(theirs.code).toBeDefined();
    expect(ours).toEqual(theirs);
  });

  it('refuses a certificate for another name with ERR_TLS_CERT_ALTNAME_INVALID', async () => {
    const port = await httpsEcho('other.pem', 'other.key');
    const theirs = await outcome(new RealWS(`wss://localhost:${port}/`, { ca: CA }));
    const ours = await outcome(new WebSocket(`wss://localhost:${port}/`, { ca: CA }));
    expect(theirs.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(ours.code).toBe(theirs.code);
    expect(ours.close).toBe(1006);
    // node:tls lists the certificate's names after this; the native client does not.
    expect(ours.message).toBe("Hostname/IP does not match certificate's altnames: Host: localhost. is not in the cert's altnames");
    expect(theirs.message.startsWith(ours.message)).toBe(true);
  });

  it('a servername option is what SNI sends and what the certificate must match', async () => {
    const port = await httpsEcho('other.pem', 'other.key');
    const ws = new WebSocket(`wss://127.0.0.1:${port}/`, { ca: CA, servername: 'other.test' });
    expect(await echo(ws, 'n')).toBe('tls:n');
  });

  it('a peer that is not TLS fails the handshake, not the process', async () => {
    const plain = new RealServer({ port: 0, host: '127.0.0.1' });
    await once(plain, 'listening');
    cleanups.push(() => new Promise((r) => plain.close(r)));
    const port = (plain.address() as net.AddressInfo).port;
    const ours = await outcome(new WebSocket(`wss://127.0.0.1:${port}/`, { ca: CA }));
    expect(ours.close).toBe(1006);
    expect(ours.code).toMatch(/^(ERR_SSL_|ECONNRESET$)/);
  });
});

describe('wss: client on node:tls', () => {
  it('runs there with a TLS option only node:tls implements (checkServerIdentity), or with transport: node', async () => {
    const port = await httpsEcho('localhost.pem', 'localhost.key');
    const checked: string[] = [];
    const ws = new WebSocket(`wss://localhost:${port}/`, {
      ca: CA,
      checkServerIdentity: (host: string) => {
        checked.push(host);
        return undefined;
      },
    });
    expect(await echo(ws, 'x')).toBe('tls:x');
    expect(checked).toEqual(['localhost']);
    expect(transportOf(ws)).toBe('node');
    const forced = new WebSocket(`wss://localhost:${port}/`, { ca: CA, transport: 'node' });
    expect(await echo(forced, 'y')).toBe('tls:y');
    expect(transportOf(forced)).toBe('node');
  });

  it('reports the same refusal as on the native client', async () => {
    const port = await httpsEcho('selfsigned.pem', 'selfsigned.key');
    const ours = await outcome(new WebSocket(`wss://localhost:${port}/`, { transport: 'node' }));
    expect(ours).toEqual({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate', close: 1006 });
  });
});
