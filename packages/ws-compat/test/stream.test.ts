/** createWebSocketStream: a Duplex over a WebSocket, with ws's behaviour. */
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import RealWS from 'ws';
import { WebSocket, createWebSocketStream } from '../src/index.js';
import { listen, shutdown } from './support/helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

describe('createWebSocketStream', () => {
  it('server side: messages become chunks, writes become messages, end closes', async () => {
    const { wss, url } = await listen();
    cleanups.push(() => shutdown(wss));
    wss.on('connection', (ws) => {
      const duplex = createWebSocketStream(ws);
      // An echo through pipes: what comes in goes out.
      duplex.pipe(duplex);
    });
    const c = new RealWS(url);
    cleanups.push(() => c.terminate());
    await once(c, 'open');
    c.send('through the stream');
    const [m] = (await once(c, 'message')) as [Buffer, boolean];
    expect(m.toString()).toBe('through the stream');
    c.close(1000);
    const [code] = (await once(c, 'close')) as [number, Buffer];
    expect(code).toBe(1000);
  });

  it('client side: writes before open wait for it; objectMode gives strings for text', async () => {
    const { wss, url } = await listen();
    cleanups.push(() => shutdown(wss));
    wss.on('connection', (ws) => {
      ws.on('message', (d) => {
        // Stream writes are Buffers, sent as binary messages; answer with text.
        ws.send((d as Buffer).toString());
        if ((d as Buffer).toString() === 'last') ws.close();
      });
    });
    const ws = new WebSocket(url);
    cleanups.push(() => ws.terminate());
    const duplex = createWebSocketStream(ws, { readableObjectMode: true });
    duplex.write('first');
    duplex.write('last');
    const chunks: unknown[] = [];
    await pipeline(
      duplex,
      new Writable({
        objectMode: true,
        write(chunk, _enc, cb) {
          chunks.push(chunk);
          cb();
        },
      }),
    );
    expect(chunks).toEqual(['first', 'last']);
  });

  it('a WebSocket error destroys the stream with it', async () => {
    const { wss, url } = await listen({ maxPayload: 4 });
    cleanups.push(() => shutdown(wss));
    const errored = new Promise<Error>((resolve) => {
      wss.on('connection', (ws) => {
        const duplex = createWebSocketStream(ws);
        duplex.on('error', resolve);
        duplex.resume();
      });
    });
    const c = new RealWS(url);
    cleanups.push(() => c.terminate());
    await once(c, 'open');
    await pipeline(Readable.from([]), new Writable({ write: (_c, _e, cb) => cb() }));
    c.send('too long');
    const error = await errored;
    expect((error as Error & { code: string }).code).toBe('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
  });
});
