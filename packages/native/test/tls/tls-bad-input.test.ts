/**
 * Hostile or broken TLS peers: each ends its own connection, never the process, and the server
 * keeps serving others.
 */
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TemplatedApp } from '../../src/app/app.js';
import { nextMessage, waitFor } from '../support/app-harness.js';
import { rawConnect, readUntilClose, upgradeRequest } from '../support/raw-socket.js';
import { CA } from '../support/tls-fixtures.js';
import { type TlsListening, listenTls, tlsConnect } from '../support/tls-harness.js';
import { transportKinds } from '../support/transports.js';

const echo = (app: TemplatedApp): void => {
  app.ws('/*', { message: (ws, message, isBinary) => void ws.send(message, isBinary) });
};

/** The server still completes a WebSocket echo over TLS. */
async function stillServes(url: string): Promise<void> {
  const ws = new WebSocket(url, { ca: CA });
  await once(ws, 'open');
  const reply = nextMessage(ws);
  ws.send('alive');
  expect((await reply).data.toString()).toBe('alive');
  ws.terminate();
}

/** A TLS 1.3 ClientHello's first bytes: a real record header, then a truncated body. */
const PARTIAL_HELLO = Buffer.from('16030100f4010000f00303' + '00'.repeat(16), 'hex');

describe.each(transportKinds)('TLS bad input (%s)', (transport) => {
  let server: TlsListening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  it('closes a connection that sends garbage instead of a ClientHello', async () => {
    server = await listenTls(transport, echo);
    for (const garbage of [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.alloc(4096, 0xff), Buffer.from('160301ffff', 'hex')]) {
      const socket = await rawConnect(server.port);
      const answer = readUntilClose(socket, 8000);
      socket.write(garbage);
      const { closedByServer, text } = await answer;
      expect(closedByServer).toBe(true);
      expect(text).not.toMatch(/HTTP/); // never answered as plain HTTP
    }
    await stillServes(server.url);
  });

  it('drops a handshake that never completes, after handshakeTimeout', async () => {
    server = await listenTls(transport, echo, { handshakeTimeout: 1 });
    const silent = await rawConnect(server.port);
    const stalled = await rawConnect(server.port);
    const silentEnd = readUntilClose(silent, 8000);
    const stalledEnd = readUntilClose(stalled, 8000);
    stalled.write(PARTIAL_HELLO);
    const started = Date.now();
    expect((await silentEnd).closedByServer).toBe(true);
    expect((await stalledEnd).closedByServer).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500); // not at once: it was the deadline
    await stillServes(server.url);
  });

  it('bounds the memory of a peer that stops reading mid-stream (closeOnBackpressureLimit)', async () => {
    let closedCode = 0;
    let sent = 0;
    let lastStatus = -1;
    server = await listenTls(transport, (app) =>
      app.ws('/slow', {
        maxBackpressure: 1024 * 1024,
        closeOnBackpressureLimit: true,
        open: (ws) => {
          const chunk = Buffer.alloc(64 * 1024, 7);
          // 32 MiB offered; the peer reads nothing.
          for (let i = 0; i < 512; i++) {
            try {
              lastStatus = ws.send(chunk, true);
              sent++;
            } catch {
              break; // closed by the limit
            }
          }
        },
        close: (_ws, code) => {
          closedCode = code;
        },
      }).ws('/*', { message: (ws, message, isBinary) => void ws.send(message, isBinary) }),
    );
    const socket = await tlsConnect(server.port, { ca: CA, servername: 'localhost' });
    socket.write(upgradeRequest('/slow'));
    socket.pause(); // reads nothing more
    await waitFor(() => closedCode !== 0, 10_000, 'the server to drop the slow reader');
    expect(closedCode).toBe(1006);
    expect(sent).toBeLessThan(512);
    expect(lastStatus).not.toBe(-1);
    socket.destroy();
    await stillServes(server.url);
  });

  it('refuses renegotiation without ending the process', async () => {
    server = await listenTls(transport, echo);
    const socket = await tlsConnect(server.port, { ca: CA, servername: 'localhost', maxVersion: 'TLSv1.2' });
    socket.on('error', () => {});
    const outcome = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), 3000);
      const ok = socket.renegotiate({ rejectUnauthorized: false }, (error) => {
        clearTimeout(timer);
        resolve(error ? 'refused' : 'renegotiated');
      });
      if (!ok) resolve('refused');
      socket.once('close', () => resolve('closed'));
    });
    // The native loop ends the connection; node:tls answers with a no_renegotiation warning
    // and keeps it (the client's renegotiate then never completes). Neither renegotiates.
    expect(transport === 'epoll' ? ['refused', 'closed'] : ['refused', 'closed', 'timeout']).toContain(outcome);
    socket.destroy();
    await stillServes(server.url);
  });

  it('treats a truncated close (TCP FIN without close_notify) as the end of that connection', async () => {
    let closed = 0;
    server = await listenTls(transport, (app) =>
      app.ws('/*', {
        message: (ws, m) => void ws.send(m),
        close: () => {
          closed++;
        },
      }),
    );
    const raw = net.connect({ host: '127.0.0.1', port: server.port });
    await once(raw, 'connect');
    const secure = tls.connect({ socket: raw, ca: CA, servername: 'localhost' });
    await once(secure, 'secureConnect');
    secure.write(upgradeRequest('/'));
    await once(secure, 'data');
    secure.on('error', () => {});
    raw.destroy(); // the TCP connection ends under the TLS session: no close_notify
    await waitFor(() => closed === 1, 8000, 'the close handler');
    await stillServes(server.url);
  });
});
