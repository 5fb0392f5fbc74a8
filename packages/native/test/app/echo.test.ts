import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TemplatedApp } from '../../src/app/app.js';
import { SUCCESS } from '../../src/app/send-status.js';
import { type Listening, closed, listen, nextMessage, openClient, waitFor } from '../support/app-harness.js';
import { clientFrame, rawConnect, readUntil, upgradeRequest } from '../support/raw-socket.js';
import { transportKinds } from '../support/transports.js';

const echo = (app: TemplatedApp, maxPayloadLength?: number): void => {
  app.ws('/*', {
    maxPayloadLength,
    message: (ws, message, isBinary) => {
      ws.send(message, isBinary);
    },
  });
};

const run = promisify(execFile);

describe.each(transportKinds)('App echo (%s)', (transport) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  it('echoes text and binary messages, in order', async () => {
    server = await listen(transport, (app) => echo(app));
    const ws = await openClient(server.url);
    const received: Array<[string, boolean]> = [];
    ws.on('message', (data: Buffer, isBinary: boolean) => received.push([isBinary ? data.toString('hex') : data.toString(), isBinary]));
    ws.send('hello');
    ws.send(Buffer.from([1, 2, 3]));
    ws.send('ünïcödé ✓');
    ws.send(Buffer.alloc(0));
    ws.send('');
    await new Promise<void>((resolve) => {
      const check = () => (received.length === 5 ? resolve() : setTimeout(check, 5));
      check();
    });
    expect(received).toEqual([
      ['hello', false],
      ['010203', true],
      ['ünïcödé ✓', false],
      ['', true],
      ['', false],
    ]);
    ws.close();
  });

  it('sends strings and bytes of every frame size intact, text or binary', async () => {
    const strings = ['', 'a', 'é€😀'.repeat(40), 'x'.repeat(126), '€'.repeat(60_000), 'y'.repeat(200_000)];
    const bytes = [125, 126, 65535, 65536, 300 * 1024].map((n) => Buffer.alloc(n, n & 0xff));
    server = await listen(transport, (app) =>
      app.ws('/*', {
        maxPayloadLength: 1 << 20,
        message: (ws) => {
          for (const text of strings) ws.send(text);
          ws.send('as binary: é', true);
          for (const b of bytes) ws.send(b, true);
          ws.send(new TextEncoder().encode('text given as bytes: €'), false);
        },
      }),
    );
    const client = await openClient(server.url);
    const got: Array<[Buffer, boolean]> = [];
    client.on('message', (d: Buffer, isBinary: boolean) => got.push([d, isBinary]));
    client.send('go');
    const total = strings.length + 1 + bytes.length + 1;
    await waitFor(() => got.length === total, 10_000, 'all messages');
    strings.forEach((text, i) => expect([got[i][0].toString(), got[i][1]]).toEqual([text, false]));
    expect([got[strings.length][0].toString(), got[strings.length][1]]).toEqual(['as binary: é', true]);
    bytes.forEach((b, i) => {
      const [data, isBinary] = got[strings.length + 1 + i];
      expect(isBinary).toBe(true);
      expect(data.equals(b)).toBe(true);
    });
    expect([got[total - 1][0].toString(), got[total - 1][1]]).toEqual(['text given as bytes: €', false]);
    client.close();
  });

  it('echoes a fragmented message as one message', async () => {
    server = await listen(transport, (app) => echo(app));
    const ws = await openClient(server.url);
    const reply = nextMessage(ws);
    ws.send('frag', { fin: false });
    ws.send('men', { fin: false });
    ws.send('ted', { fin: true });
    expect((await reply).data.toString()).toBe('fragmented');
    ws.close();
  });

  it('echoes 1 MiB with maxPayloadLength raised', async () => {
    server = await listen(transport, (app) => echo(app, 2 * 1024 * 1024));
    const ws = await openClient(server.url);
    const payload = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    const reply = nextMessage(ws);
    ws.send(payload);
    const { data, isBinary } = await reply;
    expect(isBinary).toBe(true);
    expect(data.equals(payload)).toBe(true);
    ws.close();
  });

  it('answers pings with pongs, reports pings and pongs, and sends pings', async () => {
    const events: string[] = [];
    server = await listen(transport, (app) =>
      app.ws('/*', {
        ping: (_ws, message) => events.push(`ping:${Buffer.from(message).toString()}`),
        pong: (_ws, message) => events.push(`pong:${Buffer.from(message).toString()}`),
        message: (ws) => {
          expect(ws.ping('srv')).toBe(SUCCESS);
        },
      }),
    );
    const ws = await openClient(server.url);
    const pong = once(ws, 'pong');
    ws.ping('cli');
    expect(((await pong)[0] as Buffer).toString()).toBe('cli');
    const ping = once(ws, 'ping');
    ws.send('ping me');
    expect(((await ping)[0] as Buffer).toString()).toBe('srv');
    await new Promise((r) => setTimeout(r, 50)); // ws answers the ping with a pong
    expect(events).toEqual(['ping:cli', 'pong:srv']);
    ws.close();
  });

  it('passes message views that are valid during the handler (copy to keep)', async () => {
    const kept: Uint8Array[] = [];
    server = await listen(transport, (app) =>
      app.ws('/*', {
        message: (ws, message) => {
          expect(message).toBeInstanceOf(Uint8Array);
          kept.push(message.slice());
          if (kept.length === 2) ws.send(Buffer.concat(kept), true);
        },
      }),
    );
    const ws = await openClient(server.url);
    const reply = nextMessage(ws);
    ws.send(Buffer.from('ab'));
    ws.send(Buffer.from('cd'));
    expect((await reply).data.toString()).toBe('abcd');
    ws.close();
  });

  it('lets the caller reuse a sent buffer at once (send and publish copy large payloads)', async () => {
    const ROUNDS = 40; // 40 × 2 × 100 KB: more than the kernel buffers while the client cannot read
    server = await listen(transport, (app) =>
      app.ws('/*', {
        maxBackpressure: 0,
        open: (ws) => ws.subscribe('t'),
        message: (ws) => {
          const buffer = Buffer.alloc(100_000);
          for (let i = 0; i < ROUNDS; i++) {
            buffer.fill(i);
            ws.send(buffer, true);
            buffer.fill(i + 100);
            server!.app.publish('t', buffer, true);
          }
          buffer.fill(255);
        },
      }),
    );
    const ws = await openClient(server.url);
    const got: number[] = [];
    ws.on('message', (data: Buffer) => got.push(data.every((b) => b === data[0]) ? data[0] : -1));
    ws.send('go');
    await waitFor(() => got.length === 2 * ROUNDS, 10_000, 'every message');
    expect(got).toEqual(Array.from({ length: ROUNDS }, (_, i) => [i, i + 100]).flat());
    ws.close();
  });

  const NativeWebSocket = (globalThis as { WebSocket?: typeof globalThis.WebSocket }).WebSocket;
  it("echoes with Node's built-in WebSocket client (undici)", async () => {
    server = await listen(transport, (app) => echo(app));
    // Node 20 has the global WebSocket behind --experimental-websocket: run it in a child.
    const flags = NativeWebSocket === undefined ? ['--experimental-websocket'] : [];
    const script = new URL('../fixtures/builtin-websocket-client.mjs', import.meta.url).pathname;
    const { stdout } = await run(process.execPath, [...flags, script, server.url]);
    expect(JSON.parse(stdout)).toEqual({ text: 'native', binary: [1, 2, 3, 250], closeCode: 4001, extensions: '' });
  });

  it('answers a ping read together with a message before echoing the message', async () => {
    server = await listen(transport, (app) => echo(app));
    const socket = await rawConnect(server.port);
    socket.write(upgradeRequest('/'));
    await readUntil(socket, (text) => text.includes('\r\n\r\n'));
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    // One write: a ping, then a text message (Autobahn 5.19's situation).
    socket.write(Buffer.concat([clientFrame(0x9, Buffer.from('p')), clientFrame(0x1, Buffer.from('m'))]));
    await waitFor(() => Buffer.concat(received).length >= 6);
    expect([...Buffer.concat(received)]).toEqual([0x8a, 0x01, 0x70, 0x81, 0x01, 0x6d]);
    socket.destroy();
  });

  it('closes cleanly when the client closes', async () => {
    server = await listen(transport, (app) => echo(app));
    const ws = await openClient(server.url);
    const done = closed(ws);
    ws.close(1000);
    expect((await done).code).toBe(1000);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });
});
