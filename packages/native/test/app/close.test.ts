import { afterEach, describe, expect, it } from 'vitest';
import { ClosedSocketError } from '../../src/app/closed-socket-error.js';
import type { WebSocket as AppSocket } from '../../src/app/websocket.js';
import { type Listening, closed, deferred, listen, openClient, waitFor } from '../support/app-harness.js';
import { ACCEPT, clientFrame, rawConnect, readUntil, readUntilClose, upgradeRequest } from '../support/raw-socket.js';
import { transportKinds } from '../support/transports.js';

interface CloseRecord {
  code: number;
  message: string;
}

describe.each(transportKinds)('App close (%s)', (transport) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  it('end(code, reason) reaches the client, and the close handler runs at once', async () => {
    const records: CloseRecord[] = [];
    server = await listen(transport, (app) =>
      app.ws('/*', {
        message: (ws) => {
          ws.end(4001, 'go away');
          expect(records).toEqual([{ code: 4001, message: 'go away' }]);
        },
        close: (_ws, code, message) => records.push({ code, message: Buffer.from(message).toString() }),
      }),
    );
    const ws = await openClient(server.url);
    const done = closed(ws);
    ws.send('x');
    expect(await done).toEqual({ code: 4001, reason: 'go away' });
  });

  it('client close codes and reasons reach the close handler', async () => {
    const got = deferred<CloseRecord>();
    server = await listen(transport, (app) =>
      app.ws('/*', { close: (_ws, code, message) => got.resolve({ code, message: Buffer.from(message).toString() }) }),
    );
    const ws = await openClient(server.url);
    const done = closed(ws);
    ws.close(4321, 'client says bye');
    expect(await got.promise).toEqual({ code: 4321, message: 'client says bye' });
    expect((await done).code).toBe(4321); // the server echoes the code
  });

  it('a close without a code is 1005; a dropped connection is 1006', async () => {
    const codes: number[] = [];
    server = await listen(transport, (app) => app.ws('/*', { close: (_ws, code) => codes.push(code) }));
    const a = await openClient(server.url);
    a.close();
    const b = await openClient(server.url);
    b.terminate();
    await waitFor(() => codes.length === 2, 5000, 'two closes');
    expect(codes.sort()).toEqual([1005, 1006]);
  });

  it('the remote address stays readable in the close handler of a dropped peer', async () => {
    const got = deferred<[string, number[], number]>();
    server = await listen(transport, (app) =>
      app.ws('/*', {
        close: (ws) =>
          got.resolve([Buffer.from(ws.getRemoteAddressAsText()).toString(), [...new Uint8Array(ws.getRemoteAddress())], ws.getRemotePort()]),
      }),
    );
    const client = await openClient(server.url);
    const port = (client as unknown as { _socket: { localPort: number } })._socket.localPort;
    client.terminate();
    expect(await got.promise).toEqual(['127.0.0.1', [127, 0, 0, 1], port]);
  });

  it('a message over maxPayloadLength closes with 1009', async () => {
    const got = deferred<number>();
    server = await listen(transport, (app) => app.ws('/*', { maxPayloadLength: 1024, close: (_ws, code) => got.resolve(code) }));
    const ws = await openClient(server.url);
    const done = closed(ws);
    ws.send(Buffer.alloc(2048));
    expect((await done).code).toBe(1009);
    expect(await got.promise).toBe(1009);
  });

  it('protocol errors close with the codec code (unmasked frame → 1002, bad UTF-8 → 1007)', async () => {
    const codes: number[] = [];
    server = await listen(transport, (app) => app.ws('/*', { close: (_ws, code) => codes.push(code) }));
    for (const [frame, code] of [
      [Buffer.from([0x81, 0x02, 0x68, 0x69]), 1002], // unmasked text frame
      [clientFrame(0x1, Buffer.from([0xff, 0xfe])), 1007],
    ] as const) {
      const socket = await rawConnect(server.port);
      socket.write(upgradeRequest());
      await readUntil(socket, (t) => t.includes('\r\n\r\n'));
      const answer = readUntilClose(socket);
      socket.write(frame);
      const { bytes, closedByServer } = await answer;
      expect(closedByServer).toBe(true);
      expect(bytes[0]).toBe(0x88); // a close frame
      expect(bytes.readUInt16BE(2)).toBe(code);
    }
    await waitFor(() => codes.length === 2);
    expect(codes).toEqual([1002, 1007]);
  });

  it('using a closed WebSocket throws a catchable error', async () => {
    const got = deferred<AppSocket>();
    server = await listen(transport, (app) =>
      app.ws('/*', {
        close: (ws) => {
          // Readers still work inside the close handler; sending does not.
          expect(() => ws.getRemoteAddressAsText()).not.toThrow();
          expect(() => ws.send('x')).toThrow(ClosedSocketError);
          got.resolve(ws);
        },
      }),
    );
    const client = await openClient(server.url);
    client.close();
    const ws = await got.promise;
    expect(() => ws.send('late')).toThrow(ClosedSocketError);
    expect(() => ws.end()).toThrow(/closed/);
    expect(() => ws.subscribe('t')).toThrow(ClosedSocketError);
    expect(() => ws.getBufferedAmount()).toThrow(ClosedSocketError);
    expect(ws.getUserData()).toEqual({});
  });

  it('close() drops the connection without a close frame (1006 on both ends)', async () => {
    const got = deferred<number>();
    server = await listen(transport, (app) =>
      app.ws('/*', {
        message: (ws) => ws.close(),
        close: (_ws, code) => got.resolve(code),
      }),
    );
    const ws = await openClient(server.url);
    const done = closed(ws);
    ws.send('close me');
    expect((await done).code).toBe(1006);
    expect(await got.promise).toBe(1006);
  });

  it('app.close() runs every close handler and closes every client', async () => {
    const codes: number[] = [];
    server = await listen(transport, (app) => app.ws('/*', { close: (_ws, code) => codes.push(code) }));
    const clients = await Promise.all([1, 2, 3].map(() => openClient(server!.url)));
    await waitFor(() => true);
    const done = Promise.all(clients.map((c) => closed(c)));
    server.app.close();
    expect(codes).toEqual([1006, 1006, 1006]);
    const results = await done;
    expect(results.every((r) => r.code === 1006)).toBe(true);
    server = undefined;
  });

  it('an invalid close code throws a RangeError and leaves the socket open', async () => {
    const result = deferred<unknown>();
    server = await listen(transport, (app) =>
      app.ws('/*', {
        message: (ws) => {
          try {
            ws.end(1005);
          } catch (error) {
            result.resolve(error);
            ws.send('still open');
          }
        },
      }),
    );
    const ws = await openClient(server.url);
    const reply = new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
    ws.send('x');
    expect(await result.promise).toBeInstanceOf(RangeError);
    expect(await reply).toBe('still open');
    ws.close();
  });

  it('accepts the upgrade with the right Sec-WebSocket-Accept', async () => {
    server = await listen(transport, (app) => app.ws('/*', {}));
    const socket = await rawConnect(server.port);
    socket.write(upgradeRequest());
    const head = (await readUntil(socket, (t) => t.includes('\r\n\r\n'))).toString('latin1');
    expect(head).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(head).toContain(`Sec-WebSocket-Accept: ${ACCEPT}\r\n`);
    socket.destroy();
  });
});
