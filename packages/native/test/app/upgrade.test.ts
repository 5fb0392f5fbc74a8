import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ClosedSocketError } from '../../src/app/closed-socket-error.js';
import { type Listening, deferred, listen, nextMessage, openClient } from '../support/app-harness.js';
import { rawConnect, readUntil, upgradeRequest } from '../support/raw-socket.js';
import { transportKinds } from '../support/transports.js';

interface User {
  name: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(transportKinds)('App upgrade (%s)', (transport) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  it('upgrades asynchronously with user data, after the request was read synchronously', async () => {
    server = await listen(transport, (app) =>
      app.ws<User>('/chat/:room', {
        // The App ignores what upgrade returns: the async work runs detached, as in uWS.
        upgrade: (res, req, context) => void (async () => {
          const key = req.getHeader('sec-websocket-key');
          const protocol = req.getHeader('sec-websocket-protocol');
          const extensions = req.getHeader('sec-websocket-extensions');
          const name = `${req.getQuery('name')}@${req.getParameter(0)}`;
          let aborted = false;
          res.onAborted(() => (aborted = true));
          await sleep(20);
          expect(() => req.getUrl()).toThrow(ClosedSocketError); // the request is gone after the await
          if (!aborted) res.cork(() => res.upgrade<User>({ name }, key, protocol, extensions, context));
        })(),
        open: (ws) => ws.send(`welcome ${ws.getUserData().name}`),
      }),
    );
    const ws = new WebSocket(`${server.url}/chat/lobby?name=ann`);
    const first = nextMessage(ws);
    expect((await first).data.toString()).toBe('welcome ann@lobby');
    ws.close();
  });

  it('without an upgrade handler, every socket gets its own empty user data object', async () => {
    const seen: Array<Record<string, unknown>> = [];
    server = await listen(transport, (app) =>
      app.ws<Record<string, unknown>>('/*', {
        open: (ws) => {
          const data = ws.getUserData();
          expect(data).toEqual({});
          expect(Object.isFrozen(data)).toBe(false);
          data.count = 0;
        },
        message: (ws) => {
          const data = ws.getUserData();
          data.count = (data.count as number) + 1;
          seen.push(data);
          ws.send(String(data.count));
        },
      }),
    );
    const a = await openClient(server.url);
    const b = await openClient(server.url);
    a.send('x');
    expect((await nextMessage(a)).data.toString()).toBe('1');
    a.send('x');
    expect((await nextMessage(a)).data.toString()).toBe('2');
    b.send('x');
    expect((await nextMessage(b)).data.toString()).toBe('1');
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).not.toBe(seen[0]);
    a.close();
    b.close();
  });

  it('rejects an upgrade with 401 from the upgrade handler', async () => {
    server = await listen(transport, (app) =>
      app.ws('/*', {
        upgrade: (res) => void (async () => {
          res.onAborted(() => {});
          await sleep(5);
          res.cork(() => res.writeStatus('401 Unauthorized').end('no'));
        })(),
      }),
    );
    const ws = new WebSocket(server.url);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    expect(status).toBe(401);
  });

  it('runs onAborted when the client leaves during an async upgrade; the response then throws', async () => {
    const aborted = deferred<void>();
    const later = deferred<unknown>();
    server = await listen(transport, (app) =>
      app.ws('/*', {
        upgrade: (res, req, context) => {
          const key = req.getHeader('sec-websocket-key');
          res.onAborted(() => {
            aborted.resolve();
            try {
              res.upgrade({}, key, '', '', context);
            } catch (error) {
              later.resolve(error);
            }
          });
        },
      }),
    );
    const socket = await rawConnect(server.port);
    socket.write(upgradeRequest());
    await sleep(30);
    socket.destroy();
    await aborted.promise;
    expect(await later.promise).toBeInstanceOf(ClosedSocketError);
  });

  it('selects the first offered subprotocol and adds headers written before upgrade', async () => {
    server = await listen(transport, (app) =>
      app.ws('/*', {
        upgrade: (res, req, context) => {
          res.writeStatus('101 Switching Protocols').writeHeader('X-Hello', 'there');
          res.upgrade(
            {},
            req.getHeader('sec-websocket-key'),
            req.getHeader('sec-websocket-protocol'),
            req.getHeader('sec-websocket-extensions'),
            context,
          );
        },
      }),
    );
    const ws = await openClient(server.url, undefined, ['chat.v2', 'chat.v1']);
    expect(ws.protocol).toBe('chat.v2');
    ws.close();
    const socket = await rawConnect(server.port);
    socket.write(upgradeRequest('/', ['Sec-WebSocket-Protocol: a, b']));
    const head = (await readUntil(socket, (t) => t.includes('\r\n\r\n'))).toString();
    expect(head).toContain('Sec-WebSocket-Protocol: a\r\n');
    expect(head).toContain('X-Hello: there\r\n');
    socket.destroy();
  });

  it('feeds frames that arrive with the upgrade request to the new WebSocket', async () => {
    const got = deferred<string>();
    server = await listen(transport, (app) => app.ws('/*', { message: (_ws, m) => got.resolve(Buffer.from(m).toString()) }));
    const socket = await rawConnect(server.port);
    const mask = [9, 8, 7, 6];
    const payload = Buffer.from('early').map((b, i) => b ^ mask[i % 4]);
    socket.write(Buffer.concat([Buffer.from(upgradeRequest()), Buffer.from([0x81, 0x85, ...mask]), payload]));
    expect(await got.promise).toBe('early');
    socket.destroy();
  });
});
