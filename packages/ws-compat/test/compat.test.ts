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
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
// The CommonJS typings of ws (its ESM ones have no statics, like its ESM default export).
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
    const [code, reason] = await once(ws, 'close');
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
      const [code, reason] = await once(ws, 'close');
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
    const [code, reason] = await once(ws, 'close');
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
    const [code] = await once(ws, 'close');
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
    const [code] = await once(ws, 'close');
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
    const [echo] = await once(ws, 'message');
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
    t.server.push(`clients ${wss.clients.size} closed ${closed}`);
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
    const [data, isBinary] = await once(ws, 'message');
    t.client.push(`message ${show(data)} ${isBinary}`);
    ws.close();
    await once(ws, 'close');
    await settle();
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
