/**
 * Lifecycle on the wsEngine face: every disconnect reason Socket.IO reports on either side,
 * connection state recovery after a broken transport, and closing the server with clients
 * connected.
 */
import type { Socket as ClientSocket } from 'socket.io-client';
import type { Socket as ServerSocket } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { client, connected, kinds, next, runCleanups, startIo, waitFor } from './harness.js';

afterEach(runCleanups);

/** The ws client under a socket.io-client socket on the websocket transport. */
function rawWs(c: ClientSocket): { send(d: string): void; terminate(): void; _socket: { pause(): void } } {
  return (c.io.engine.transport as unknown as { ws: ReturnType<typeof rawWs> }).ws;
}

describe.each(kinds)('disconnect reasons on the wsEngine face on the %s transport', (kind) => {
  async function pair(options: Parameters<typeof startIo>[1] = {}, transports: Array<'polling' | 'websocket'> = ['websocket']) {
    const running = await startIo(kind, options);
    const serverSocket = next<ServerSocket>(running.io, 'connection');
    const c = await connected(running.url, { transports });
    const s = await serverSocket;
    const serverReason = next<string>(s, 'disconnect');
    const clientReason = next<string>(c, 'disconnect');
    return { ...running, c, s, serverReason, clientReason };
  }

  it('server namespace disconnect / io server disconnect', async () => {
    const p = await pair();
    p.s.disconnect();
    expect([await p.serverReason, await p.clientReason]).toEqual(['server namespace disconnect', 'io server disconnect']);
  });

  it('client namespace disconnect / io client disconnect', async () => {
    const p = await pair();
    p.c.disconnect();
    expect([await p.serverReason, await p.clientReason]).toEqual(['client namespace disconnect', 'io client disconnect']);
  });

  it('transport close, both sides, when the server drops the connection', async () => {
    const p = await pair();
    (p.s.conn.transport as unknown as { socket: { terminate(): void } }).socket.terminate();
    expect([await p.serverReason, await p.clientReason]).toEqual(['transport close', 'transport close']);
  });

  it('transport close on the server when the client drops the connection', async () => {
    const p = await pair();
    rawWs(p.c).terminate();
    expect(await p.serverReason).toBe('transport close');
  });

  it('ping timeout on the server when the client stops answering pings', async () => {
    const p = await pair({ pingInterval: 100, pingTimeout: 100 });
    const ws = rawWs(p.c);
    ws._socket.pause();
    expect(await p.serverReason).toBe('ping timeout');
    // The paused client would never answer the server's close frame: drop it.
    ws.terminate();
  });

  it('ping timeout on the client when the server stops pinging', async () => {
    const p = await pair({ pingInterval: 100, pingTimeout: 100 });
    clearTimeout((p.s.conn as unknown as { pingIntervalTimer: NodeJS.Timeout }).pingIntervalTimer);
    expect(await p.clientReason).toBe('ping timeout');
  });

  it('transport error when a websocket message exceeds maxHttpBufferSize (1009 close)', async () => {
    const p = await pair({ maxHttpBufferSize: 1000 });
    const closed = new Promise<number>((resolve) => (p.c.io.engine.transport as unknown as { ws: { on(e: string, f: (c: number) => void): void } }).ws.on('close', resolve));
    p.c.emit('big', 'x'.repeat(1000));
    expect(await p.serverReason).toBe('transport error');
    expect(await closed).toBe(1009);
    expect(await p.clientReason).toBe('transport close');
  });

  it('transport error when a polling request exceeds maxHttpBufferSize', async () => {
    const p = await pair({ maxHttpBufferSize: 1000 }, ['polling']);
    p.c.emit('big', 'x'.repeat(1000));
    expect(await p.serverReason).toBe('transport error');
    await p.clientReason;
  });

  it('transport error on a polling client whose session the server forgot', async () => {
    const p = await pair({ pingInterval: 100, pingTimeout: 1000 }, ['polling']);
    // The next long-poll finds no session: 400 "Session ID unknown".
    delete (p.io.engine as unknown as { clients: Record<string, unknown> }).clients[(p.s.conn as unknown as { id: string }).id];
    expect(await p.clientReason).toBe('transport error');
    // The client is gone: its pongs stop.
    expect(await p.serverReason).toBe('ping timeout');
  });

  it('parse error for an engine.io packet the server cannot decode', async () => {
    const p = await pair();
    rawWs(p.c).send('9');
    expect(await p.serverReason).toBe('parse error');
  });

  it('forced close for a Socket.IO packet the server cannot decode (Socket.IO closes the connection)', async () => {
    const p = await pair();
    rawWs(p.c).send('4' + '9 not a packet');
    expect(await p.serverReason).toBe('forced close');
    expect(await p.clientReason).toBe('transport close');
  });

  it('forced close when the engine.io socket is closed', async () => {
    const p = await pair();
    p.s.conn.close();
    expect(await p.serverReason).toBe('forced close');
    expect(await p.clientReason).toBe('transport close');
  });

  it('server shutting down for every client when the server closes, websocket and polling alike', async () => {
    const { io, url, httpServer } = await startIo(kind);
    const reasons: string[] = [];
    io.on('connection', (s) => s.on('disconnect', (r: string) => reasons.push(r)));
    const clients = await Promise.all([
      connected(url, { transports: ['websocket'] }),
      connected(url, { transports: ['polling'] }),
      connected(url, { transports: ['polling', 'websocket'] }),
    ]);
    await waitFor(() => io.engine.clientsCount === 3);
    const clientReasons = clients.map((c) => next<string>(c, 'disconnect'));
    await new Promise<void>((resolve, reject) => void io.close((e) => (e ? reject(e) : resolve())));
    expect(reasons).toEqual(['server shutting down', 'server shutting down', 'server shutting down']);
    const [ws, ...polling] = await Promise.all(clientReasons);
    expect(ws).toBe('transport close');
    // A long-poll cut by the shutdown may be reported as the request's failure instead.
    for (const reason of polling) expect(['transport close', 'transport error']).toContain(reason);
    expect(io.engine.clientsCount).toBe(0);
    expect(httpServer.listening).toBe(false);
  });
});

describe.each(kinds)('connection state recovery on the wsEngine face on the %s transport', (kind) => {
  it('restores id, rooms and missed packets after the transport broke', async () => {
    const { io, url } = await startIo(kind, { connectionStateRecovery: { maxDisconnectionDuration: 5000 } });
    const joined: string[] = [];
    io.on('connection', (s) => {
      if (!s.recovered) void s.join('room');
      joined.push(`${s.id}:${s.recovered}`);
    });
    const c = client(url, { transports: ['websocket'], reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 50 });
    await next(c, 'connect');
    expect(c.recovered).toBe(false);
    const got: string[] = [];
    c.on('news', (m: string) => got.push(m));
    io.to('room').emit('news', 'before');
    await waitFor(() => got.length === 1);
    const firstId = c.id;
    const disconnected = next<string>(c, 'disconnect');
    (io.sockets.sockets.values().next().value!.conn.transport as unknown as { socket: { terminate(): void } }).socket.terminate();
    expect(await disconnected).toBe('transport close');
    await waitFor(() => io.sockets.sockets.size === 0);
    io.to('room').emit('news', 'while away');
    await next(c, 'connect');
    expect(c.recovered).toBe(true);
    expect(c.id).toBe(firstId);
    await waitFor(() => got.length === 2);
    expect(got).toEqual(['before', 'while away']);
    io.to('room').emit('news', 'after');
    await waitFor(() => got.length === 3);
    expect(joined).toEqual([`${firstId}:false`, `${firstId}:true`]);
  });
});
