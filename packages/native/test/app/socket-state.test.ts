// Each WebSocket's stage and ping flag are one of its route's shared state objects, and its
// topics and lifetime timer share the codec's field: one socket's state must never show on
// another of the same route, and the codec must keep working once that rare state exists.
import { afterEach, describe, expect, it } from 'vitest';
import { ClosedSocketError } from '../../src/app/closed-socket-error.js';
import type { WebSocket as AppSocket } from '../../src/app/websocket.js';
import { type Listening, closed, listen, nextMessage, openClient, waitFor } from '../support/app-harness.js';
import { transportKinds } from '../support/transports.js';

describe.each(transportKinds)('App socket state (%s)', (transport) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  it('closing one socket of a route leaves the others of that route open', async () => {
    const sockets: AppSocket[] = [];
    server = await listen(transport, (app) =>
      app.ws('/*', {
        open: (ws) => void sockets.push(ws),
        message: (ws, message) => void ws.send(message),
      }),
    );
    const a = await openClient(server.url);
    const b = await openClient(server.url);
    await waitFor(() => sockets.length === 2, 5000, 'two opens');
    const aClosed = closed(a);
    sockets[0].end(4000, 'only a');
    expect((await aClosed).code).toBe(4000);
    expect(() => sockets[0].send('x')).toThrow(ClosedSocketError);
    const echoed = nextMessage(b);
    b.send('still here');
    expect((await echoed).data.toString()).toBe('still here');
    expect(sockets[1].getBufferedAmount()).toBe(0);
  });

  it('a socket that subscribed before its first message still echoes, and keeps its topics', async () => {
    server = await listen(transport, (app) =>
      app.ws('/*', {
        open: (ws) => void ws.subscribe('t'),
        message: (ws, message) => {
          ws.send(message);
          ws.subscribe('u');
        },
      }),
    );
    const ws = await openClient(server.url);
    const first = nextMessage(ws);
    ws.send('one');
    expect((await first).data.toString()).toBe('one');
    const second = nextMessage(ws);
    ws.send('two');
    expect((await second).data.toString()).toBe('two');
    const published = nextMessage(ws);
    server.app.publish('u', 'news');
    expect((await published).data.toString()).toBe('news');
    expect(server.app.numSubscribers('t')).toBe(1);
  });
});
