import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientOptions } from 'ws';
import type { TemplatedApp } from '../../src/app/app.js';
import type { WebSocketBehavior } from '../../src/app/websocket-behavior.js';
import { loadAddon } from '../../src/transport/native-binding.js';
import { closed, listen, nextMessage, openClient, waitFor } from '../support/app-harness.js';
import { clientFrame, rawConnect, readUntil, upgradeRequest } from '../support/raw-socket.js';
import { CA } from '../support/tls-fixtures.js';
import { listenTls } from '../support/tls-harness.js';
import { transportKinds, type TransportKind } from '../support/transports.js';

// A peer that disappears at the worst moment: inside a frame, inside a TLS record, inside the
// HTTP head or the TLS handshake, between our close frame and theirs. Each time that one
// connection must end cleanly (its close handler once, with 1006 where the peer sent no close
// frame), leave nothing behind (subscriptions, the addon's socket table), and the server must
// go on serving. "Vanishing" is both an orderly FIN and a reset (RST).

type Vanish = 'fin' | 'rst';
const VANISHES: Vanish[] = ['fin', 'rst'];
const TOPIC = 'room';
// A close handler that ran twice would do so right after the first: this is how long we look.
const SETTLE_MS = 150;

function vanish(socket: net.Socket, how: Vanish): void {
  if (how === 'rst') socket.resetAndDestroy();
  else socket.destroy();
}

/** Sockets in the addon's table (listeners included) for epoll; null for node:net. */
function liveSockets(transport: TransportKind): number | null {
  return transport === 'epoll' ? loadAddon().liveSockets() : null;
}

interface Probe {
  app: TemplatedApp;
  port: number;
  url: string;
  opened: number;
  closes: number[];
  baseline: number | null;
}

const apps: TemplatedApp[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const a of apps.splice(0)) a.close();
  // Each test starts from an empty table, so its baseline is its own listener alone.
  if (transportKinds.includes('epoll')) await waitFor(() => loadAddon().liveSockets() === 0, 5000, 'an empty socket table');
});

function behavior(probe: Probe, idleTimeout = 0): WebSocketBehavior {
  return {
    idleTimeout,
    open: (ws) => {
      probe.opened++;
      ws.subscribe(TOPIC);
    },
    message: (ws, message, isBinary) => {
      if (Buffer.from(message).toString() === 'bye') ws.end(1000, 'bye');
      else ws.send(message, isBinary);
    },
    close: (_ws, code) => {
      probe.closes.push(code);
    },
  };
}

async function plainProbe(transport: TransportKind, idleTimeout = 0): Promise<Probe> {
  const probe = { opened: 0, closes: [] as number[] } as Probe;
  const l = await listen(transport, (app) => app.ws('/*', behavior(probe, idleTimeout)));
  apps.push(l.app);
  return Object.assign(probe, { app: l.app, port: l.port, url: l.url, baseline: liveSockets(transport) });
}

async function tlsProbe(transport: TransportKind): Promise<Probe> {
  const probe = { opened: 0, closes: [] as number[] } as Probe;
  const l = await listenTls(transport, (app) => app.ws('/*', behavior(probe)));
  apps.push(l.app);
  return Object.assign(probe, { app: l.app, port: l.port, url: l.url, baseline: liveSockets(transport) });
}

/** The connection ended cleanly: `expected` close codes (once each), nothing left behind. */
async function expectCleanEnd(transport: TransportKind, probe: Probe, expected: number[], ms = 5000): Promise<void> {
  await waitFor(() => probe.closes.length >= expected.length, ms, 'the close handler');
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  expect(probe.closes).toEqual(expected);
  expect(probe.app.numSubscribers(TOPIC)).toBe(0);
  if (probe.baseline !== null) await waitFor(() => liveSockets(transport) === probe.baseline, ms, 'the socket table back to its baseline');
}

/** The server still serves: a fresh ws client is echoed. */
async function expectStillServing(probe: Probe, tlsClient = false): Promise<void> {
  // ws passes its options through to tls.connect (servername included).
  const ws = await openClient(probe.url, tlsClient ? ({ ca: CA, servername: 'localhost' } as ClientOptions) : undefined);
  ws.send('still here');
  expect((await nextMessage(ws)).data.toString()).toBe('still here');
  const done = closed(ws);
  ws.close();
  expect((await done).code).toBe(1005);
}

/** A raw TCP connection upgraded to WebSocket (101 read). */
async function rawUpgraded(port: number): Promise<net.Socket> {
  const socket = await rawConnect(port);
  sockets.push(socket);
  socket.on('error', () => {});
  const head = readUntil(socket, (t) => t.includes('\r\n\r\n'));
  socket.write(upgradeRequest('/'));
  expect((await head).toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
  return socket;
}

describe.each(transportKinds)('the peer vanishes (%s transport)', (transport) => {
  for (const how of VANISHES) {
    it(`mid-frame (${how}): the close handler runs once with 1006, the server serves on`, async () => {
      const probe = await plainProbe(transport);
      const socket = await rawUpgraded(probe.port);
      await waitFor(() => probe.opened === 1, 5000, 'open');
      expect(probe.app.numSubscribers(TOPIC)).toBe(1);
      // A binary frame announcing 1000 payload bytes, of which 10 arrive.
      const frame = clientFrame(0x2, Buffer.alloc(1000, 7));
      socket.write(frame.subarray(0, 4 + 4 + 10));
      await new Promise((r) => setTimeout(r, 50));
      vanish(socket, how);
      await expectCleanEnd(transport, probe, [1006]);
      await expectStillServing(probe);
    });

    it(`mid-HTTP-head (${how}): no open, no close handler, nothing left behind`, async () => {
      const probe = await plainProbe(transport);
      const socket = await rawConnect(probe.port);
      sockets.push(socket);
      socket.on('error', () => {});
      socket.write(upgradeRequest('/').slice(0, 40));
      await new Promise((r) => setTimeout(r, 50));
      if (probe.baseline !== null) expect(liveSockets(transport)).toBe(probe.baseline + 1);
      vanish(socket, how);
      await expectCleanEnd(transport, probe, []);
      expect(probe.opened).toBe(0);
      await expectStillServing(probe);
    });

    it(`mid-close (${how}), after our close frame and before theirs: the close handler runs once with our code`, async () => {
      const probe = await plainProbe(transport);
      const socket = await rawUpgraded(probe.port);
      await waitFor(() => probe.opened === 1, 5000, 'open');
      const closeFrame = readUntil(socket, (t) => t.includes('\x88'));
      socket.write(clientFrame(0x1, Buffer.from('bye')));
      const bytes = await closeFrame;
      const at = bytes.indexOf(0x88);
      expect(bytes.readUInt16BE(at + 2)).toBe(1000);
      vanish(socket, how); // never answers the close frame
      await expectCleanEnd(transport, probe, [1000]);
      await expectStillServing(probe);
    });
  }

  // Silent: the peer's machine is gone, nothing (no FIN, no RST) will ever come. Our timers end it.
  it('mid-frame, silent: the idle timeout drops it with 1006 (pings unanswered), nothing left behind', async () => {
    const probe = await plainProbe(transport, 2);
    const socket = await rawUpgraded(probe.port);
    await waitFor(() => probe.opened === 1, 5000, 'open');
    socket.write(clientFrame(0x2, Buffer.alloc(1000, 7)).subarray(0, 4 + 4 + 10));
    await expectCleanEnd(transport, probe, [1006], 10_000);
    await expectStillServing(probe);
  });

  it('mid-close, silent: the close handler runs once with our code, the socket is released in bounded time', async () => {
    const probe = await plainProbe(transport);
    const socket = await rawUpgraded(probe.port);
    await waitFor(() => probe.opened === 1, 5000, 'open');
    const closeFrame = readUntil(socket, (t) => t.includes('\x88'));
    socket.write(clientFrame(0x1, Buffer.from('bye')));
    await closeFrame;
    // Never answers, never closes: the close handshake's timer releases the socket.
    await expectCleanEnd(transport, probe, [1000], 15_000);
    await expectStillServing(probe);
  }, 30_000);

  it('mid-TLS-record: the close handler runs once with 1006, the server serves on', async () => {
    const probe = await tlsProbe(transport);
    const raw = await rawConnect(probe.port);
    sockets.push(raw);
    raw.on('error', () => {});
    const secure = tls.connect({ socket: raw, ca: CA, servername: 'localhost' });
    secure.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    const head = readUntil(secure, (t) => t.includes('\r\n\r\n'));
    secure.write(upgradeRequest('/'));
    expect((await head).toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
    await waitFor(() => probe.opened === 1, 5000, 'open');
    // An application-data record header announcing 16 KiB, then 10 bytes of it, written under
    // the TLS layer straight onto the TCP socket.
    raw.write(Buffer.concat([Buffer.from([0x17, 0x03, 0x03, 0x40, 0x00]), Buffer.alloc(10, 1)]));
    await new Promise((r) => setTimeout(r, 50));
    raw.destroy();
    await expectCleanEnd(transport, probe, [1006]);
    await expectStillServing(probe, true);
  });

  for (const how of VANISHES) {
    it(`mid-TLS-handshake (${how}): no open, nothing left behind`, async () => {
      const probe = await tlsProbe(transport);
      const raw = await rawConnect(probe.port);
      sockets.push(raw);
      raw.on('error', () => {});
      // A handshake record header announcing a 512-byte ClientHello, then 40 bytes of it.
      raw.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc]), Buffer.alloc(36, 3)]));
      await new Promise((r) => setTimeout(r, 50));
      if (probe.baseline !== null) expect(liveSockets(transport)).toBe(probe.baseline + 1);
      vanish(raw, how);
      await expectCleanEnd(transport, probe, []);
      expect(probe.opened).toBe(0);
      await expectStillServing(probe, true);
    });
  }
});
