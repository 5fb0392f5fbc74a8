/**
 * A ws-style fan-out loop (`for (const c of wss.clients) c.send(buf)`): the same Buffer or
 * string sent to many sockets in one tick is framed once, and each socket still gets what ws
 * would send it: its own compressed frame when it negotiated permessage-deflate, continuation
 * frames inside its own open fragmented message, its send callback once, ws's error when it
 * is closed. Real sockets; the peers are ws clients and raw TCP clients that see the frames.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as RealWebSocket } from 'ws';
import { type WebSocket, WebSocketServer } from '../src/index.js';
import { type Kind, kinds, listen, shutdown, upgradeRequest, waitFor } from './support/helpers.js';

const CLIENTS = 24;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A raw TCP client after a 101: every byte the server sends afterwards, as it came. */
interface RawPeer {
  socket: net.Socket;
  bytes(): Buffer;
}

async function rawPeer(port: number, extra: string[] = []): Promise<RawPeer> {
  const socket = net.connect(port, '127.0.0.1');
  cleanups.push(() => socket.destroy());
  socket.write(upgradeRequest('/', extra));
  let got = Buffer.alloc(0);
  let headEnd = -1;
  socket.on('data', (c: Buffer) => {
    got = Buffer.concat([got, c]);
    if (headEnd < 0) headEnd = got.indexOf('\r\n\r\n');
  });
  await waitFor(() => headEnd >= 0, 5000, '101');
  expect(got.subarray(0, 12).toString('latin1')).toBe('HTTP/1.1 101');
  return { socket, bytes: () => got.subarray(headEnd + 4) };
}

/** A ws client and the messages it got (as Buffers, with their kind). */
interface WsPeer {
  c: RealWebSocket;
  got: Array<[Buffer, boolean]>;
}

/** A ws client that records the messages it gets. */
async function wsPeer(url: string, options: ConstructorParameters<typeof RealWebSocket>[2] = {}): Promise<WsPeer> {
  const c = new RealWebSocket(url, options);
  cleanups.push(() => c.terminate());
  const got: Array<[Buffer, boolean]> = [];
  c.on('message', (data, isBinary) => got.push([Buffer.from(data as Buffer), isBinary]));
  await once(c, 'open');
  return { c, got };
}

/** The server sides of the connections, in the order they connected. */
function connections(wss: WebSocketServer): WebSocket[] {
  const list: WebSocket[] = [];
  wss.on('connection', (ws) => list.push(ws));
  return list;
}

/** A server on `transport` with `n` ws clients connected: its sides of them, in order, and the clients. */
async function serverWithWsPeers(transport: Kind, n: number): Promise<{ wss: WebSocketServer; server: WebSocket[]; peers: WsPeer[] }> {
  const { wss, url } = await listen({ transport });
  cleanups.push(() => shutdown(wss));
  const server = connections(wss);
  const peers: WsPeer[] = [];
  for (let i = 0; i < n; i++) peers.push(await wsPeer(url));
  await waitFor(() => server.length === n);
  return { wss, server, peers };
}

/** An unmasked frame as the server writes it. */
function frame(first: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([first, n]) : Buffer.from([first, 126, n >> 8, n & 0xff]);
  return Buffer.concat([head, payload]);
}

function nextTick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

describe.each(kinds)('fan-out loop on %s', (transport) => {
  it('one Buffer and one string sent in a loop reach every client as byte-identical frames; each callback runs once', async () => {
    const { wss, port } = await listen({ transport });
    cleanups.push(() => shutdown(wss));
    const peers: RawPeer[] = [];
    for (let i = 0; i < CLIENTS; i++) peers.push(await rawPeer(port));
    await waitFor(() => wss.clients.size === CLIENTS);
    const buf = Buffer.from('0123456789abcdef');
    const text = 'héllo fan-out';
    const calls = new Map<WebSocket, unknown[]>();
    // Count the shared writes of the epoll transport (node:net has none: each socket's write references the one frame).
    const first = [...wss.clients][0];
    const native = first._hub!.transport as unknown as Record<string, unknown>;
    const original = native.writeShared as ((id: number, d: Uint8Array) => boolean) | undefined;
    let shared = 0;
    if (original !== undefined) {
      native.writeShared = (id: number, d: Uint8Array) => {
        shared++;
        return original.call(native, id, d);
      };
    }
    try {
      for (const c of wss.clients) {
        calls.set(c, []);
        c.send(buf, (err) => calls.get(c)!.push(err));
        c.send(text, (err) => calls.get(c)!.push(err));
        c.send(buf, { binary: false });
      }
    } finally {
      if (original !== undefined) native.writeShared = original;
    }
    // Every socket after the first, for the Buffer and the string; the Buffer sent as text in the
    // same tick is framed per socket (it was remembered as binary).
    if (transport === 'epoll') expect(shared).toBe(2 * (CLIENTS - 1));
    const expected = Buffer.concat([frame(0x82, buf), frame(0x81, Buffer.from(text)), frame(0x81, buf)]);
    await waitFor(() => peers.every((p) => p.bytes().length >= expected.length), 5000, 'every frame');
    for (const p of peers) expect(p.bytes()).toEqual(expected);
    await nextTick();
    for (const list of calls.values()) expect(list).toEqual([null, null]);
  });

  it('a Buffer changed after the tick and sent again in a loop arrives changed', async () => {
    const { wss, peers } = await serverWithWsPeers(transport, 8);
    const buf = Buffer.from('first message...');
    for (const c of wss.clients) c.send(buf);
    await nextTick();
    buf.write('second');
    for (const c of wss.clients) c.send(buf);
    await waitFor(() => peers.every((p) => p.got.length === 2), 5000, 'two messages each');
    for (const p of peers) expect(p.got.map(([b]) => b.toString())).toEqual(['first message...', 'secondmessage...']);
  });

  it('sockets with and without permessage-deflate in one loop: compressed frames for those that negotiated it, the shared frame for the rest', async () => {
    const { wss, port, url } = await listen({ transport, perMessageDeflate: { threshold: 1024 } });
    cleanups.push(() => shutdown(wss));
    const server = connections(wss);
    const deflated = [await wsPeer(url, { perMessageDeflate: true }), await wsPeer(url, { perMessageDeflate: true })];
    const plain = [await wsPeer(url, { perMessageDeflate: false }), await wsPeer(url, { perMessageDeflate: false })];
    const rawDeflate = await rawPeer(port, ['Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover']);
    const rawPlain = await rawPeer(port);
    await waitFor(() => server.length === 6);
    const big = Buffer.from('fan-out '.repeat(512)); // 4 KiB, over the threshold
    const small = Buffer.from('under the threshold');
    for (const c of wss.clients) {
      c.send(big);
      c.send(small);
      c.send(big, { compress: false });
    }
    for (const p of [...deflated, ...plain]) {
      await waitFor(() => p.got.length === 3, 5000, 'three messages');
      expect(p.got).toEqual([
        [big, true],
        [small, true],
        [big, true],
      ]);
    }
    // What the wire carried: the deflate socket's first message is compressed (RSV1), the others plain.
    const plainWire = Buffer.concat([frame(0x82, big), frame(0x82, small), frame(0x82, big)]);
    await waitFor(() => rawPlain.bytes().length >= plainWire.length, 5000, 'plain frames');
    expect(rawPlain.bytes()).toEqual(plainWire);
    const rest = Buffer.concat([frame(0x82, small), frame(0x82, big)]);
    const firstFrameEnd = (w: Buffer): number => (w.length < 4 ? Infinity : w[1] < 126 ? 2 + w[1] : 4 + w.readUInt16BE(2));
    await waitFor(() => rawDeflate.bytes().length >= firstFrameEnd(rawDeflate.bytes()) + rest.length, 5000, 'deflate frames');
    const wire = rawDeflate.bytes();
    expect(wire[0]).toBe(0xc2); // FIN, RSV1, binary
    const length = wire[1] < 126 ? wire[1] : wire.readUInt16BE(2);
    const start = wire[1] < 126 ? 2 : 4;
    expect(length).toBeLessThan(big.length);
    const compressed = Buffer.concat([wire.subarray(start, start + length), Buffer.from([0, 0, 0xff, 0xff])]);
    expect(zlib.inflateRawSync(compressed, { finishFlush: zlib.constants.Z_SYNC_FLUSH })).toEqual(big);
    expect(wire.subarray(start + length)).toEqual(rest);
  });

  it('fin: false fragments are never shared: a socket inside its own fragmented message gets continuation frames', async () => {
    const { server, peers } = await serverWithWsPeers(transport, 6);
    const head = Buffer.from('head:');
    const shared = Buffer.from('shared payload');
    server.forEach((c, i) => {
      if (i % 3 === 0) c.send(head, { fin: false });
      if (i % 3 === 2) c.send(shared, { fin: false });
      c.send(shared);
    });
    await waitFor(() => peers.every((p) => p.got.length === 1), 5000, 'one message each');
    peers.forEach((p, i) => {
      const want = i % 3 === 0 ? Buffer.concat([head, shared]) : i % 3 === 1 ? shared : Buffer.concat([shared, shared]);
      expect(p.got).toEqual([[want, true]]);
    });
  });

  it('a socket that does not read gets backpressure of its own: its bufferedAmount grows and its callbacks wait; the others are not held up', async () => {
    const { server, peers } = await serverWithWsPeers(transport, 3);
    // The first client stops reading: the kernel's buffers fill, then the server's.
    const slow = (peers[0].c as unknown as { _socket: net.Socket })._socket;
    slow.pause();
    const buf = Buffer.alloc(64 * 1024, 7);
    const rounds = 512; // 32 MiB to each socket, one loop per tick
    const called = server.map(() => 0);
    for (let r = 0; r < rounds; r++) {
      server.forEach((c, i) =>
        c.send(buf, (err) => {
          expect(err).toBeNull();
          called[i]++;
        }),
      );
      await nextTick();
    }
    await waitFor(() => peers[1].got.length === rounds && peers[2].got.length === rounds, 20_000, 'the readers');
    await waitFor(() => called[1] === rounds && called[2] === rounds, 5000, 'their callbacks');
    expect(server[0].bufferedAmount).toBeGreaterThan(0);
    expect(called[0]).toBeLessThan(rounds);
    expect(server[1].bufferedAmount).toBe(0);
    slow.resume();
    await waitFor(() => peers[0].got.length === rounds, 20_000, 'the slow reader');
    await waitFor(() => called[0] === rounds, 5000, 'its callbacks');
    expect(server[0].bufferedAmount).toBe(0);
    for (const p of peers) expect(p.got.every(([b, binary]) => binary && b.equals(buf))).toBe(true);
    await nextTick();
    expect(called).toEqual([rounds, rounds, rounds]);
  }, 60_000);

  it("a closed socket in the loop gets ws's error in its callback; the others get the message", async () => {
    const { server, peers } = await serverWithWsPeers(transport, 6);
    server[2].close();
    server[4].terminate();
    const buf = Buffer.from('to the open ones');
    const results: unknown[][] = server.map(() => []);
    server.forEach((c, i) => c.send(buf, (err) => results[i].push(err)));
    const amounts = server.map((c) => c.bufferedAmount);
    for (const i of [0, 1, 3, 5]) await waitFor(() => peers[i].got.length === 1, 5000, 'the message');
    await nextTick();
    server.forEach((_, i) => {
      if (i === 2 || i === 4) {
        expect(results[i]).toHaveLength(1);
        expect((results[i][0] as Error).message).toBe('WebSocket is not open: readyState 2 (CLOSING)');
        // ws counts a send after close in bufferedAmount.
        expect(amounts[i]).toBe(buf.length);
      } else {
        expect(results[i]).toEqual([null]);
        expect(peers[i].got).toEqual([[buf, true]]);
      }
    });
  });
});

describe('fan-out loop on a WebSocketServer over https (TLS sockets)', () => {
  const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../native/test/fixtures/tls');
  const pem = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));

  it('every TLS client gets the message, each callback once', async () => {
    const httpsServer = https.createServer({ cert: pem('localhost.pem'), key: pem('localhost.key') });
    const wss = new WebSocketServer({ server: httpsServer });
    httpsServer.listen(0, '127.0.0.1');
    await once(httpsServer, 'listening');
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const c of wss.clients) c.terminate();
          wss.close();
          httpsServer.close(() => resolve());
          httpsServer.closeAllConnections?.();
        }),
    );
    const url = `wss://127.0.0.1:${(httpsServer.address() as net.AddressInfo).port}`;
    const peers: WsPeer[] = [];
    for (let i = 0; i < 8; i++) peers.push(await wsPeer(url, { ca: pem('ca.pem'), servername: 'localhost' } as ConstructorParameters<typeof RealWebSocket>[2]));
    await waitFor(() => wss.clients.size === 8);
    const buf = Buffer.from('over tls, framed once');
    let calls = 0;
    for (const c of wss.clients) c.send(buf, (err) => (err == null ? calls++ : undefined));
    await waitFor(() => peers.every((p) => p.got.length === 1), 5000, 'the message');
    for (const p of peers) expect(p.got).toEqual([[buf, true]]);
    await waitFor(() => calls === 8, 5000, 'callbacks');
    await nextTick();
    expect(calls).toBe(8);
  });
});
