import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { Client, type ClientOptions } from '../../src/client/client.js';
import { CA, CLIENT, EXPIRED, LOCALHOST, OTHER, SELF_SIGNED } from '../support/tls-fixtures.js';
import { listenTls } from '../support/tls-harness.js';
import { transportKinds } from '../support/transports.js';

/** An https.Server with a ws server on it, echoing; records the SNI names it saw. */
async function httpsWsServer(cert: { key: string; cert: string }, options: https.ServerOptions = {}) {
  const names: string[] = [];
  const server = https.createServer({
    ...cert,
    ...options,
    SNICallback: (name, cb) => {
      names.push(name);
      cb(null, undefined);
    },
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    const socket = req.socket as import('node:tls').TLSSocket;
    ws.send(`authorized=${socket.authorized}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    names,
    close: () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.close();
      server.closeAllConnections();
    },
  };
}

interface Outcome {
  opened: boolean;
  error: (Error & { code?: string }) | undefined;
  code: number;
  messages: string[];
}

/** Runs a client to its end: opens, collects `expect` messages (answering each `send`), closes. */
async function run(url: string, options: ClientOptions, send: string[] = [], expectCount = 0): Promise<Outcome> {
  const client = new Client(url, options);
  const outcome: Outcome = { opened: false, error: undefined, code: 0, messages: [] };
  client.on('error', (error) => {
    outcome.error ??= error;
  });
  client.on('open', () => {
    outcome.opened = true;
    for (const m of send) client.send(m, false);
    if (expectCount === 0) client.close();
  });
  client.on('message', (data) => {
    outcome.messages.push(data.toString());
    if (outcome.messages.length === expectCount) client.close();
  });
  // (events.once would reject on 'error'; the error is part of the outcome here.)
  outcome.code = await new Promise<number>((resolve) => client.on('close', (code) => resolve(code)));
  return outcome;
}

describe.each(transportKinds)('wss:// Client (%s)', (transport) => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it("connects to Node's https.Server + ws server with a custom CA, by name (SNI) and by IP", async () => {
    const server = await httpsWsServer(LOCALHOST);
    cleanups.push(server.close);
    const byName = await run(`wss://localhost:${server.port}/`, { transport, tls: { ca: CA } }, ['one', 'two'], 3);
    expect(byName.error).toBeUndefined();
    expect(byName.messages).toEqual(['authorized=false', 'one', 'two']);
    expect(byName.code).toBe(1000);
    expect(server.names).toEqual(['localhost']);
    // An IP literal is verified against the certificate's IP entries, and sends no SNI.
    const byIp = await run(`wss://127.0.0.1:${server.port}/`, { transport, tls: { ca: CA } }, ['three'], 2);
    expect(byIp.messages).toEqual(['authorized=false', 'three']);
    expect(server.names).toEqual(['localhost']);
  });

  it('connects to our own SSLApp', async () => {
    const server = await listenTls(transport, (app) => app.ws('/*', { message: (ws, m, b) => void ws.send(m, b) }));
    cleanups.push(() => server.app.close());
    const outcome = await run(server.url, { transport, tls: { ca: CA } }, ['ping'], 1);
    expect(outcome.messages).toEqual(['ping']);
  });

  it('rejects an untrusted certificate by default (no custom CA: only public roots are trusted)', async () => {
    const server = await httpsWsServer(LOCALHOST);
    cleanups.push(server.close);
    const outcome = await run(`wss://127.0.0.1:${server.port}/`, { transport });
    expect(outcome.opened).toBe(false);
    // node:tls's code for a lone leaf from an unknown issuer; both transports report it.
    expect(outcome.error?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(outcome.code).toBe(1006);
  });

  it('rejects an expired certificate', async () => {
    const server = await httpsWsServer(EXPIRED);
    cleanups.push(server.close);
    const outcome = await run(`wss://127.0.0.1:${server.port}/`, { transport, tls: { ca: CA } });
    expect(outcome.opened).toBe(false);
    expect(outcome.error?.code).toBe('CERT_HAS_EXPIRED');
  });

  it('rejects a self-signed certificate', async () => {
    const server = await httpsWsServer(SELF_SIGNED);
    cleanups.push(server.close);
    const outcome = await run(`wss://127.0.0.1:${server.port}/`, { transport, tls: { ca: CA } });
    expect(outcome.opened).toBe(false);
    expect(outcome.error?.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('rejects a certificate for another name', async () => {
    const server = await httpsWsServer(OTHER);
    cleanups.push(server.close);
    const outcome = await run(`wss://127.0.0.1:${server.port}/`, { transport, tls: { ca: CA } });
    expect(outcome.opened).toBe(false);
    expect(outcome.error?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('accepts any certificate with rejectUnauthorized: false', async () => {
    const server = await httpsWsServer(SELF_SIGNED);
    cleanups.push(server.close);
    const outcome = await run(`wss://127.0.0.1:${server.port}/`, { transport, tls: { rejectUnauthorized: false } }, [], 1);
    expect(outcome.opened).toBe(true);
    expect(outcome.messages).toEqual(['authorized=false']);
  });

  it('presents a client certificate to a server that asks for one', async () => {
    const server = await httpsWsServer(LOCALHOST, { requestCert: true, rejectUnauthorized: true, ca: CA });
    cleanups.push(server.close);
    const withCert = await run(`wss://127.0.0.1:${server.port}/`, { transport, tls: { ca: CA, ...CLIENT } }, [], 1);
    expect(withCert.messages).toEqual(['authorized=true']);
    const without = await run(`wss://127.0.0.1:${server.port}/`, { transport, tls: { ca: CA } });
    expect(without.opened).toBe(false);
    expect(without.error).toBeDefined();
  });
});

describe.each(transportKinds)('Server with tls and Client over wss:// (%s)', (transport) => {
  it('exchanges messages both ways', async () => {
    const { Server } = await import('../../src/server/server.js');
    const server = new Server({ port: 0, host: '127.0.0.1', transport, tls: LOCALHOST });
    try {
      await once(server, 'listening');
      server.on('message', (socket, message, binary) => server.send(socket, message, binary));
      const outcome = await run(`wss://localhost:${server.port}/`, { transport, tls: { ca: CA } }, ['over tls'], 1);
      expect(outcome.messages).toEqual(['over tls']);
    } finally {
      server.close();
    }
  });
});
