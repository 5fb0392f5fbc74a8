/**
 * The drop-in check: typical ws user code, written once against the shape of `require('ws')`,
 * runs unchanged with `ws` and with `@uws/ws-compat` (the module given as `WS`), and what it
 * observes — events and their order, payloads and their types, close codes and reasons, error
 * messages and codes — must be the same. Each scenario also runs with the ends mixed (our
 * server with ws's client, ws's server with our client).
 *
 * A scenario records the server's and the client's observations separately: the order of
 * events between the two ends depends on scheduling, the order on each end does not.
 */
import { once } from 'node:events';
import { mkdtempSync, openAsBlob, rmSync, writeFileSync } from 'node:fs';
import { Agent as httpAgent, createServer } from 'node:http';
import { createRequire } from 'node:module';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The CommonJS typings of ws (its ESM ones have no statics, like its ESM default export).
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- false positive: the import type's `with` attributes read as a value
type wsType = typeof import('ws', { with: { 'resolution-mode': 'require' } });
import ours from '../src/index.js';

// What `require('ws')` gives (ws's ESM default export lacks the statics).
const wsModule = createRequire(import.meta.url)('ws') as wsType;

/** The module shape typical code uses: `const WebSocket = require('ws')`. */
type WSModule = wsType;
interface Pair {
  server: WSModule;
  client: WSModule;
}
interface Trace {
  server: string[];
  client: string[];
}
type Scenario = (m: Pair, t: Trace) => Promise<void>;

const OURS = ours as unknown as WSModule;

/** How a value looks to user code, for comparison. */
function show(value: unknown): string {
  if (Buffer.isBuffer(value)) return `Buffer(${value.length}):${value.length > 40 ? value.subarray(0, 20).toString('hex') : value.toString('hex')}`;
  if (value instanceof ArrayBuffer) return `ArrayBuffer(${value.byteLength})`;
  if (Array.isArray(value)) return `[${value.map(show).join(',')}]`;
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 20)}…(${value.length})` : value}'`;
  if (value instanceof Error) return `${value.constructor.name}(${value.message}${(value as { code?: string }).code ? `, ${(value as { code?: string }).code}` : ''})`;
  return String(value);
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- false positive: the import type's `with` attributes read as a value
async function startServer(WS: WSModule, options: import('ws', { with: { 'resolution-mode': 'require' } }).ServerOptions = {}): Promise<{ wss: InstanceType<wsType['Server']>; url: string }> {
  const wss = new WS.Server({ port: 0, ...options });
  await once(wss, 'listening');
  return { wss, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}` };
}

async function stop(wss: InstanceType<wsType['Server']>): Promise<void> {
  for (const c of wss.clients) c.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}

/** The next 'close' event's arguments (a plain listener: `events.once` would reject on 'error'). */
function closeOf(ws: InstanceType<wsType>): Promise<[number, Buffer]> {
  return new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve([code, reason])));
}

/** A raw upgrade request with extra header fields: the response's status line and body. */
async function rawUpgrade(port: number, fields: Record<string, string>): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  const lines = ['GET / HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13'];
  for (const [name, value] of Object.entries(fields)) lines.push(`${name}: ${value}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  let text = '';
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1');
    // A 101 keeps the connection open: the head is all there is to read.
    if (text.startsWith('HTTP/1.1 101') && text.includes('\r\n\r\n')) socket.destroy();
  });
  await once(socket, 'close');
  const head = text.split('\r\n\r\n')[0];
  const ext = /sec-websocket-extensions: (.*)/i.exec(head)?.[1];
  const body = text.slice(head.length + 4);
  return `${head.split('\r\n')[0]}${ext !== undefined ? ` [${ext}]` : ''}${body ? ` ${body}` : ''}`;
}

function settle(ms = 30): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const scenarios: Record<string, Scenario> = {
  async 'echo server: text, binary, empty, large, unicode'(m, t) {
    const { wss, url } = await startServer(m.server);
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => {
        t.server.push(`message ${show(data)} ${isBinary}`);
        ws.send(data, { binary: isBinary });
      });
    });
    const ws = new m.client(url);
    const done = new Promise<void>((resolve) => {
      let n = 0;
      ws.on('message', (data, isBinary) => {
        t.client.push(`message ${show(data)} ${isBinary}`);
        if (++n === 5) resolve();
      });
    });
    ws.on('open', () => {
      t.client.push(`open ${ws.readyState} ${ws.protocol === '' ? "''" : ws.protocol}`);
      ws.send('hello');
      ws.send(Buffer.from([1, 2, 3]));
      ws.send('');
      ws.send(Buffer.alloc(200_000, 7));
      ws.send('héllo wörld ✓');
    });
    await done;
    ws.close();
    await once(ws, 'close');
    await stop(wss);
  },

  async 'client closes with code and reason; both ends see them'(m, t) {
    const { wss, url } = await startServer(m.server);
    const serverClosed = new Promise<void>((resolve) => {
      wss.on('connection', (ws) => {
        ws.on('close', (code, reason) => {
          t.server.push(`close ${code} ${show(reason)} ${ws.readyState}`);
          resolve();
        });
      });
    });
    const ws = new m.client(url);
    await once(ws, 'open');
    ws.close(4000, 'going away now');
    t.client.push(`readyState after close() ${ws.readyState}`);
    const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
    t.client.push(`close ${code} ${show(reason)} ${ws.readyState}`);
    await serverClosed;
    await stop(wss);
  },

  async 'server closes without a code (1005), then server terminate (1006)'(m, t) {
    const { wss, url } = await startServer(m.server);
    let n = 0;
    wss.on('connection', (ws) => {
      if (n++ === 0) ws.close();
      else setTimeout(() => ws.terminate(), 5);
      ws.on('close', (code, reason) => t.server.push(`close ${code} ${show(reason)}`));
    });
    for (let i = 0; i < 2; i++) {
      const ws = new m.client(url);
      const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
      t.client.push(`close ${code} ${show(reason)}`);
    }
    await settle();
    t.server.sort();
    await stop(wss);
  },

  async 'ping and pong with payloads (autoPong)'(m, t) {
    const { wss, url } = await startServer(m.server);
    const serverDone = new Promise<void>((resolve) => {
      wss.on('connection', (ws) => {
        ws.on('ping', (data) => t.server.push(`ping ${show(data)}`));
        ws.on('pong', (data) => {
          t.server.push(`pong ${show(data)}`);
          resolve();
        });
        ws.ping('srv');
      });
    });
    const ws = new m.client(url);
    ws.on('ping', (data) => t.client.push(`ping ${show(data)}`));
    ws.on('pong', (data) => t.client.push(`pong ${show(data)}`));
    await once(ws, 'open');
    ws.ping(Buffer.from('cli'));
    await once(ws, 'pong');
    await serverDone;
    ws.terminate();
    await stop(wss);
  },

  async 'a peer that pings without reading: answered up to maxPendingAutoPongs, then terminated'(m, t) {
    for (const limit of [8, 0]) {
      const { wss } = await startServer(m.server, { maxPendingAutoPongs: limit } as object);
      const port = (wss.address() as AddressInfo).port;
      let pings = 0;
      const closed = new Promise<number>((resolve) =>
        wss.on('connection', (ws) => {
          ws.on('ping', () => pings++);
          ws.on('close', (code: number) => resolve(code));
        }),
      );
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {}); // a reset is the expected end with a limit
      const upgrade = ['GET / HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13'];
      socket.write(`${upgrade.join('\r\n')}\r\n\r\n`);
      let received = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
      while (!received.includes('\r\n\r\n')) await settle(5);
      const headLength = received.indexOf('\r\n\r\n') + 4;
      // 2 000 masked pings in one write: more than 8 arrive before any pong's write completes.
      const ping = Buffer.from([0x89, 0x80 | 4, 1, 2, 3, 4, 0x71, 0x6b, 0x6f, 0x6c]); // "ping"
      socket.write(Buffer.concat(Array.from({ length: 2000 }, () => ping)));
      if (limit > 0) {
        t.server.push(`limit ${limit}: close ${await closed}, more pings than the limit seen ${pings > limit}`);
      } else {
        const pongs = 2000 * 6; // 0x8a 04 "ping"
        while (received.length - headLength < pongs) await settle(5);
        t.server.push(`no limit: pings ${pings}`);
        t.client.push(`no limit: pongs ${(received.length - headLength) / 6}`);
      }
      socket.destroy();
      await stop(wss);
    }
  },

  async 'subprotocols: handleProtocols and the protocol property'(m, t) {
    const { wss, url } = await startServer(m.server, { handleProtocols: (protocols) => (protocols.has('chat.v2') ? 'chat.v2' : false) });
    wss.on('connection', (ws) => t.server.push(`connection protocol=${ws.protocol}`));
    const ws = new m.client(url, ['chat.v1', 'chat.v2']);
    await once(ws, 'open');
    t.client.push(`protocol=${ws.protocol}`);
    ws.close();
    await once(ws, 'close');
    const refused = new m.client(url, 'other');
    refused.on('error', (e) => t.client.push(`error ${show(e)}`));
    const [code] = await closeOf(refused);
    t.client.push(`close ${code}`);
    await stop(wss);
  },

  async 'verifyClient refuses: client sees the status as an error, then 1006'(m, t) {
    const { wss, url } = await startServer(m.server, {
      verifyClient: (info: { req: { headers: Record<string, unknown> } }) => info.req.headers['x-token'] === 'ok',
    });
    wss.on('connection', () => t.server.push('connection'));
    const bad = new m.client(url);
    bad.on('error', (e) => t.client.push(`error ${show(e)}`));
    bad.on('close', (code, reason) => t.client.push(`close ${code} ${show(reason)}`));
    await closeOf(bad);
    const good = new m.client(url, { headers: { 'X-Token': 'ok' } });
    await once(good, 'open');
    t.client.push('open');
    good.close();
    await once(good, 'close');
    await settle();
    await stop(wss);
  },

  async 'maxPayload: server error code, close codes on both ends'(m, t) {
    const { wss, url } = await startServer(m.server, { maxPayload: 64 });
    wss.on('connection', (ws) => {
      ws.on('error', (e) => t.server.push(`error ${show(e)}`));
      ws.on('close', (code, reason) => t.server.push(`close ${code} ${show(reason)}`));
      ws.on('message', (d) => t.server.push(`message ${show(d)}`));
    });
    const ws = new m.client(url);
    await once(ws, 'open');
    ws.send('x'.repeat(64));
    ws.send('y'.repeat(65));
    const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
    t.client.push(`close ${code} ${show(reason)}`);
    await settle();
    await stop(wss);
  },

  async 'invalid UTF-8 text from the client'(m, t) {
    const { wss, url } = await startServer(m.server);
    wss.on('connection', (ws) => {
      ws.on('error', (e) => t.server.push(`error ${show(e)}`));
      ws.on('close', (code) => t.server.push(`close ${code}`));
    });
    const ws = new m.client(url);
    await once(ws, 'open');
    ws.send(Buffer.from([0xc3, 0x28]), { binary: false });
    const [code] = (await once(ws, 'close')) as [number, Buffer];
    t.client.push(`close ${code}`);
    await settle();
    await stop(wss);
  },

  async 'send callbacks, sends after close, close() argument errors'(m, t) {
    const { wss, url } = await startServer(m.server);
    wss.on('connection', (ws) => {
      ws.send('a', (err) => t.server.push(`cb a ${show(err)}`));
      ws.send(Buffer.from('b'), { binary: true }, (err) => t.server.push(`cb b ${show(err)}`));
      for (const bad of [1004, 999, 5000]) {
        try {
          ws.close(bad);
        } catch (e) {
          t.server.push(`close(${bad}) throws ${show(e)}`);
        }
      }
      try {
        ws.close(1000, 'r'.repeat(124));
      } catch (e) {
        t.server.push(`long reason throws ${show(e)}`);
      }
      ws.close(1000);
      ws.send('late', (err) => t.server.push(`cb late ${show(err)}`));
    });
    const ws = new m.client(url);
    ws.on('message', (d) => t.client.push(`message ${show(d)}`));
    const [code] = (await once(ws, 'close')) as [number, Buffer];
    t.client.push(`close ${code}`);
    try {
      ws.send('after');
    } catch (e) {
      t.client.push(`send after close throws ${show(e)}`);
    }
    await settle();
    await stop(wss);
  },

  async 'permessage-deflate on both ends'(m, t) {
    const { wss, url } = await startServer(m.server, { perMessageDeflate: { threshold: 256 } });
    wss.on('connection', (ws) => {
      t.server.push(`extensions=${ws.extensions}`);
      ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary }));
    });
    const ws = new m.client(url);
    await once(ws, 'open');
    t.client.push(`extensions=${ws.extensions}`);
    const big = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ i, name: `item ${i}` })));
    ws.send(big);
    const [echo] = (await once(ws, 'message')) as [Buffer, boolean];
    t.client.push(`echo ${echo.toString() === big}`);
    ws.close();
    await once(ws, 'close');
    await stop(wss);
  },

  async 'broadcast to wss.clients; clients shrinks as they leave; close() waits for them'(m, t) {
    const { wss, url } = await startServer(m.server);
    const clients = [new m.client(url), new m.client(url), new m.client(url)];
    await Promise.all(clients.map((c) => once(c, 'open')));
    while (wss.clients.size < 3) await settle(5);
    t.server.push(`clients ${wss.clients.size}`);
    const received = Promise.all(clients.map((c) => once(c, 'message')));
    for (const client of wss.clients) if (client.readyState === m.server.OPEN) client.send('to everyone');
    for (const [data] of await received) t.client.push(`got ${show(data)}`);
    let closed = false;
    wss.close(() => (closed = true));
    await settle();
    t.server.push(`closed before clients left: ${closed}`);
    for (const c of clients) c.close();
    while (!closed) await settle(5);
    t.server.push(`clients ${wss.clients.size} closed ${String(closed)}`);
  },

  async "'headers' event adds a response header the client reads in 'upgrade'"(m, t) {
    const { wss, url } = await startServer(m.server);
    wss.on('headers', (headers) => {
      t.server.push(`headers[0] ${headers[0]}`);
      headers.push('Set-Cookie: id=1');
    });
    const ws = new m.client(url);
    ws.on('upgrade', (res) => t.client.push(`upgrade ${res.statusCode} ${show(res.headers['set-cookie'])}`));
    await once(ws, 'open');
    ws.close();
    await once(ws, 'close');
    await stop(wss);
  },

  async 'WHATWG face on the client: onopen/onmessage/onclose, binaryType arraybuffer'(m, t) {
    const { wss, url } = await startServer(m.server);
    wss.on('connection', (ws) => {
      ws.send('text');
      ws.send(Buffer.from([9, 9]));
      ws.close(1000, 'bye');
    });
    const ws = new m.client(url);
    ws.binaryType = 'arraybuffer';
    await new Promise<void>((resolve) => {
      ws.onopen = (e) => t.client.push(`onopen ${e.type}`);
      ws.onmessage = (e) => t.client.push(`onmessage ${show(e.data)}`);
      ws.onclose = (e) => {
        t.client.push(`onclose ${e.code} ${show(e.reason)} ${e.wasClean}`);
        resolve();
      };
    });
    await stop(wss);
  },

  async 'connection refused'(m, t) {
    const { wss, url } = await startServer(m.server);
    await stop(wss);
    const ws = new m.client(url);
    ws.on('error', (e) => t.client.push(`error code=${(e as NodeJS.ErrnoException).code}`));
    const [code] = await closeOf(ws);
    t.client.push(`close ${code} readyState ${ws.readyState}`);
  },

  async 'Socket.IO path: Sender.frame + ws._sender.sendFrame, ws._socket.remoteAddress'(m, t) {
    const { wss, url } = await startServer(m.server);
    wss.on('connection', (ws) => {
      const s = ws as unknown as { _socket: { remoteAddress: string }; _sender: { sendFrame(list: Buffer[], cb: (e?: Error) => void): void } };
      t.server.push(`remoteAddress ${s._socket.remoteAddress.replace('::ffff:', '')}`);
      const frame = (m.server as unknown as { Sender: { frame(d: Buffer, o: object): Buffer[] } }).Sender.frame(Buffer.from('42["event",1]'), {
        readOnly: false,
        mask: false,
        rsv1: false,
        opcode: 1,
        fin: true,
      });
      s._sender.sendFrame(frame, (err) => t.server.push(`sendFrame cb ${show(err)}`));
    });
    const ws = new m.client(url);
    const [data, isBinary] = (await once(ws, 'message')) as [Buffer, boolean];
    t.client.push(`message ${show(data)} ${isBinary}`);
    ws.close();
    await once(ws, 'close');
    await settle();
    await stop(wss);
  },

  async 'terminate() in the connection handler: the 101 still arrives, then 1006'(m, t) {
    const { wss, url } = await startServer(m.server);
    wss.on('connection', (ws) => {
      ws.on('close', (code) => t.server.push(`close ${code}`));
      ws.terminate();
    });
    const ws = new m.client(url);
    ws.on('open', () => t.client.push('open'));
    ws.on('error', (e) => t.client.push(`error ${show(e)}`));
    const [code] = await closeOf(ws);
    t.client.push(`close ${code}`);
    await settle();
    await stop(wss);
  },

  async "messages that arrive after the server's close() are still delivered, until the client's close"(m, t) {
    const { wss, url } = await startServer(m.server);
    wss.on('connection', (ws) => {
      ws.close(1000, 'server first');
      ws.on('message', (d) => t.server.push(`message ${show(d)} readyState ${ws.readyState}`));
      ws.on('close', (code) => t.server.push(`close ${code}`));
    });
    const ws = new m.client(url);
    ws.on('open', () => {
      // Sent before the client reads the server's close frame (it came with the 101, or later).
      for (const text of ['a', 'b', 'c']) ws.send(text);
    });
    const [code] = await closeOf(ws);
    t.client.push(`close ${code}`);
    await settle();
    await stop(wss);
  },

  async "messages that arrive after the client's close() are still delivered, until the server's close"(m, t) {
    const { wss, url } = await startServer(m.server);
    wss.on('connection', (ws) => {
      for (const text of ['x', 'y']) ws.send(text);
      ws.on('close', (code) => t.server.push(`close ${code}`));
    });
    const ws = new m.client(url);
    ws.on('open', () => ws.close(1000));
    ws.on('message', (d) => t.client.push(`message ${show(d)} readyState ${ws.readyState}`));
    const [code] = await closeOf(ws);
    t.client.push(`close ${code}`);
    await settle();
    await stop(wss);
  },

  async 'a Blob that cannot be read: send callbacks get the error, then error and close'(m, t) {
    const { wss, url } = await startServer(m.server);
    const dir = mkdtempSync(join(tmpdir(), 'ws-compat-blob-'));
    const file = join(dir, 'data');
    writeFileSync(file, 'first contents');
    const blob = await openAsBlob(file);
    writeFileSync(file, 'changed after the Blob was made'); // reading it now fails (NotReadableError)
    wss.on('connection', (ws) => {
      ws.on('error', (e) => t.server.push(`error ${(e).name}`));
      ws.on('close', (code) => t.server.push(`close ${code}`));
      ws.send('before', (err) => t.server.push(`cb before ${show(err)}`));
      ws.send(blob, (err) => t.server.push(`cb blob ${(err)?.name}`));
      ws.send('after', (err) => t.server.push(`cb after ${(err)?.name}`));
    });
    const ws = new m.client(url);
    ws.on('message', (d) => t.client.push(`message ${show(d)}`));
    const [code] = await closeOf(ws);
    t.client.push(`close ${code}`);
    await settle();
    rmSync(dir, { recursive: true, force: true });
    await stop(wss);
  },

  async 'terminate() with sends waiting: their callbacks run with an error before close'(m, t) {
    const { wss, url } = await startServer(m.server);
    wss.on('connection', (ws) => ws.pause());
    const ws = new m.client(url);
    await once(ws, 'open');
    const big = Buffer.alloc(16 << 20, 1);
    ws.send('small', (err) => t.client.push(`cb small ${show(err)}`));
    ws.send(big, () => t.client.push('cb big 1'));
    ws.send(big, (err) => t.client.push(`cb big 2 ${show(err)}`));
    await settle(50);
    t.client.push(`bufferedAmount > 0: ${ws.bufferedAmount > 0}`);
    ws.terminate();
    const [code] = await closeOf(ws);
    t.client.push(`close ${code}`);
    await stop(wss);
  },

  async "terminate() from an 'error' listener while connecting"(m, t) {
    const { wss, url } = await startServer(m.server);
    await stop(wss);
    const ws = new m.client(url);
    ws.on('error', (e) => {
      t.client.push(`error ${(e as NodeJS.ErrnoException).code} readyState ${ws.readyState}`);
      ws.terminate();
      ws.close();
    });
    const [code] = await closeOf(ws);
    t.client.push(`close ${code} readyState ${ws.readyState}`);
  },

  async '8-bit windows: client_max_window_bits=8 and server_max_window_bits=8 are negotiated and work'(m, t) {
    const { wss, url } = await startServer(m.server, { perMessageDeflate: { clientMaxWindowBits: 8, serverMaxWindowBits: 8, threshold: 0 } });
    wss.on('connection', (ws) => {
      t.server.push(`extensions=${ws.extensions}`);
      ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary }));
    });
    const ws = new m.client(url, { perMessageDeflate: { serverMaxWindowBits: 8 } });
    ws.on('upgrade', (res) => t.client.push(`response ${res.headers['sec-websocket-extensions']}`));
    ws.on('error', (e) => t.client.push(`error ${show(e)}`));
    await once(ws, 'open');
    t.client.push(`extensions=${ws.extensions}`);
    const text = JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ i, v: (i * 7919) % 1000 })));
    ws.send(text);
    const [echo] = (await once(ws, 'message')) as [Buffer, boolean];
    t.client.push(`echo ${echo.toString() === text}`);
    ws.close();
    await once(ws, 'close');
    await stop(wss);
  },

  async 'maxFragments: 0 means no limit, on both ends'(m, t) {
    const { wss, url } = await startServer(m.server, { maxFragments: 0 });
    const pieces = 20_000; // more than the 16 384 default
    wss.on('connection', (ws) => {
      ws.on('message', (d) => {
        t.server.push(`message ${(d as Buffer).length}`);
        for (let i = 0; i < pieces - 1; i++) ws.send('y', { fin: false });
        ws.send('y', { fin: true });
      });
      ws.on('close', (code) => t.server.push(`close ${code}`));
    });
    const ws = new m.client(url, { maxFragments: 0 });
    await once(ws, 'open');
    for (let i = 0; i < pieces - 1; i++) ws.send('x', { fin: false });
    ws.send('x', { fin: true });
    const [echo] = (await once(ws, 'message')) as [Buffer, boolean];
    t.client.push(`message ${(echo).length}`);
    ws.close();
    await once(ws, 'close');
    await settle();
    await stop(wss);
  },

  async 'invalid or unacceptable Sec-WebSocket-Extensions: 400 with ws\'s body'(m, t) {
    const { wss, url } = await startServer(m.server, { perMessageDeflate: { clientMaxWindowBits: 10, serverNoContextTakeover: false } });
    wss.on('connection', (ws) => t.server.push(`connection extensions=${ws.extensions}`));
    const port = Number(new URL(url).port);
    for (const offer of [
      'foo=1',
      'permessage-deflate; client_max_window_bits=7',
      'permessage-deflate; foo',
      'permessage-deflate; client_max_window_bits=10, permessage-deflate; bar',
      'permessage-deflate;',
      'permessage-deflate',
      'permessage-deflate; client_max_window_bits; server_no_context_takeover',
      'permessage-deflate; server_max_window_bits=8; client_max_window_bits',
      'x-webkit-deflate-frame',
      'x-webkit-deflate-frame, permessage-deflate; client_max_window_bits=12',
    ]) {
      t.client.push(`${offer} -> ${await rawUpgrade(port, { 'Sec-WebSocket-Extensions': offer })}`);
    }
    await settle();
    await stop(wss);
  },

  async 'handleUpgrade() twice with the same socket throws'(m, t) {
    const server = createServer();
    const wss = new m.server.Server({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        t.server.push('upgraded');
        ws.close();
      });
      try {
        wss.handleUpgrade(req, socket, head, () => t.server.push('upgraded twice'));
      } catch (e) {
        t.server.push(`second call throws ${show(e)}`);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const ws = new m.client(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const [code] = await closeOf(ws);
    t.client.push(`close ${code}`);
    await settle();
    await stop(wss);
    await new Promise((resolve) => server.close(resolve));
  },

  async "unexpected-response gets node:http's ClientRequest and IncomingMessage; abort, destroy, close, terminate"(m, t) {
    const server = createServer();
    server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nX-Why: nope\r\nContent-Length: 9\r\n\r\nforbidden'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/path?q=1`;
    for (const how of ['abort', 'destroy', 'close', 'terminate']) {
      const ws = new m.client(url);
      ws.on('error', (e) => t.client.push(`${how}: error ${show(e)}`));
      ws.on('close', (code) => t.client.push(`${how}: close ${code}`));
      await new Promise<void>((resolve) => {
        ws.on('unexpected-response', (req, res) => {
          t.client.push(`${how}: ${req.constructor.name} ${req.method} ${req.path} ${res.constructor.name} ${res.statusCode} ${String(res.headers['x-why'])}`);
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => {
            t.client.push(`${how}: body ${body}`);
            if (how === 'abort') req.abort();
            else if (how === 'destroy') req.destroy();
            else if (how === 'close') ws.close();
            else ws.terminate();
            setTimeout(resolve, 100);
          });
        });
      });
      t.client.push(`${how}: readyState ${ws.readyState}`);
    }
    await new Promise((resolve) => server.close(resolve));
  },

  async 'agent, createConnection (port a string), finishRequest and lookup are used as in ws'(m, t) {
    const { wss, url } = await startServer(m.server);
    wss.on('connection', (ws, req) => {
      t.server.push(`connection x-finish=${String(req.headers['x-finish'])}`);
      ws.on('message', (d) => ws.send(d));
    });
    const port = new URL(url).port;
    const echo = async (ws: InstanceType<wsType>, what: string) => {
      await once(ws, 'open');
      ws.send(what);
      const [data] = (await once(ws, 'message')) as [Buffer, boolean];
      t.client.push(`${what}: echo ${show(data)}`);
      ws.close();
      await once(ws, 'close');
    };
    class CountingAgent extends httpAgent {
      override createConnection(options: object, cb: never) {
        t.client.push('agent createConnection');
        return super.createConnection(options, cb);
      }
    }
    await echo(new m.client(url, { agent: new CountingAgent() }), 'agent');
    await echo(
      new m.client(url, {
        createConnection: (options: { port: unknown; host: string }) => {
          t.client.push(`createConnection port ${typeof options.port} ${String(options.port) === port} host ${options.host}`);
          return connect(Number(options.port), options.host);
        },
      } as object),
      'createConnection',
    );
    await echo(
      new m.client(url, {
        finishRequest: (req: { setHeader(n: string, v: string): void; end(): void }, ws: unknown) => {
          t.client.push(`finishRequest ${ws instanceof m.client}`);
          req.setHeader('X-Finish', 'yes');
          req.end();
        },
      }),
      'finishRequest',
    );
    await echo(
      new m.client(`ws://localhost:${port}`, {
        lookup: (host: string, options: object, cb: (...args: unknown[]) => void) => {
          t.client.push(`lookup ${host}`);
          cb(null, [{ address: '127.0.0.1', family: 4 }]);
        },
      } as object),
      'lookup',
    );
    await settle();
    t.client = [...new Set(t.client)];
    await stop(wss);
  },
};

async function run(scenario: Scenario, pair: Pair): Promise<Trace> {
  const trace: Trace = { server: [], client: [] };
  await scenario(pair, trace);
  return trace;
}

describe('the same ws user code, run with ws and with @uws/ws-compat', () => {
  for (const [name, scenario] of Object.entries(scenarios)) {
    it(name, async () => {
      const reference = await run(scenario, { server: wsModule, client: wsModule });
      const swapped = await run(scenario, { server: OURS, client: OURS });
      expect(swapped).toEqual(reference);
      // Each end on its own, against ws's other end.
      expect(await run(scenario, { server: OURS, client: wsModule }), 'our server, ws client').toEqual(reference);
      expect(await run(scenario, { server: wsModule, client: OURS }), 'ws server, our client').toEqual(reference);
    });
  }
});

describe('module-level facts, ws and @uws/ws-compat side by side', () => {
  it('new WebSocketServer() without options throws ws\'s TypeError', () => {
    const thrown = (WS: WSModule) => {
      try {
        new (WS.Server as unknown as new () => unknown)();
      } catch (e) {
        return show(e);
      }
      return 'no throw';
    };
    expect(thrown(OURS)).toBe(thrown(wsModule));
    expect(thrown(OURS)).toBe('TypeError(One and only one of the "port", "server", or "noServer" options must be specified)');
  });

  it('property descriptors of the WebSocket class and its prototype match ws', () => {
    const describeAll = (target: object, names: string[]) =>
      names.map((name) => {
        const d = Object.getOwnPropertyDescriptor(target, name);
        if (d === undefined) return `${name}: missing`;
        return `${name}: enumerable=${d.enumerable} configurable=${d.configurable} writable=${d.writable} get=${typeof d.get} set=${typeof d.set} value=${String(d.value).slice(0, 20)}`;
      });
    const constants = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
    const accessors = ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url', 'onopen', 'onerror', 'onclose', 'onmessage'];
    expect(describeAll(OURS.WebSocket, constants)).toEqual(describeAll(wsModule.WebSocket, constants));
    const protoNames = [...constants, ...accessors];
    const ours = describeAll(OURS.WebSocket.prototype, protoNames).map((line) => line.replace(/value=function.*$/, 'value=function'));
    const theirs = describeAll(wsModule.WebSocket.prototype, protoNames).map((line) => line.replace(/value=function.*$/, 'value=function'));
    expect(ours).toEqual(theirs);
  });
});
