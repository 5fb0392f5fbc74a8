/**
 * What a session keeps: an upgraded request keeps what Socket.IO reads (headers, query) and
 * lets go of its HTTP response; every handshake gets its own random id.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Socket as EioClient } from 'engine.io-client';
import { type Started, once, pollingHandshake, startEngine } from './engine-harness.js';
import type { EngineSocket } from '../../src/index.js';

let server: Started | undefined;
const clients: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
});

describe('session state', () => {
  it('an upgraded request keeps what Socket.IO reads and lets go of its HTTP response', async () => {
    server = await startEngine({ transports: ['websocket'] });
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const c = new EioClient(server.url, { transports: ['websocket'], query: { room: 'a' } });
    clients.push(c);
    await once(c, 'open');
    const [session] = await connected;
    expect(session.request.headers.upgrade).toBe('websocket');
    expect(session.request._query.room).toBe('a');
    expect(session.request.res).toBeNull();
    expect(session.request.response).toBeNull();
    // The session works after the release.
    const message = once<[string]>(session, 'message');
    c.send('hi');
    expect((await message)[0]).toBe('hi');
  });

  it('gives 300 handshakes 300 distinct 20-character base64url session ids (past a refill of the id pool)', async () => {
    server = await startEngine();
    const ids = new Set<string>();
    for (let batch = 0; batch < 6; batch++) {
      const sids = await Promise.all(Array.from({ length: 50 }, async () => (await pollingHandshake(server!.url)).sid));
      for (const sid of sids) {
        expect(sid).toMatch(/^[\w-]{20}$/);
        ids.add(sid);
      }
    }
    expect(ids.size).toBe(300);
    expect(server.engine.clientsCount).toBe(300);
  });
});
