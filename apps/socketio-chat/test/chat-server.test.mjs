import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { io as ioc } from 'socket.io-client';
import { createChatServer } from '../src/chat-server.mjs';

const once = (emitter, event) => new Promise((resolve) => emitter.once(event, resolve));
const delay = (ms) => new Promise((r) => setTimeout(r, ms));

describe('Socket.IO chat on the native engine', () => {
  let chat;
  let url;
  const clients = [];

  beforeEach(async () => {
    chat = createChatServer();
    url = `http://127.0.0.1:${await chat.listen(0)}`;
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
    chat.close();
  });

  function member(transports) {
    const c = ioc(url, { forceNew: true, reconnection: false, transports });
    clients.push(c);
    return c;
  }

  it('serves the page, the socket.io-client bundle and its own routes beside Socket.IO', async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="/socket.io.min.js">');
    const bundle = await fetch(`${url}/socket.io.min.js`);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect((await bundle.text()).length).toBeGreaterThan(10_000);
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ clients: 0 });
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });

  it('delivers a message to everyone in the room, whatever their transport, and to no one else', async () => {
    const alice = member(['websocket']);
    const bob = member(['polling']);
    const carol = member(['polling', 'websocket']);
    const dave = member(['websocket']);
    expect(await alice.emitWithAck('join', { room: 'lobby', name: 'alice' })).toEqual({ room: 'lobby', name: 'alice' });
    await bob.emitWithAck('join', { room: 'lobby', name: 'bob' });
    await carol.emitWithAck('join', { room: 'lobby', name: 'carol' });
    await dave.emitWithAck('join', { room: 'elsewhere', name: 'dave' });
    const got = { alice: [], bob: [], carol: [], dave: [] };
    for (const [n, c] of Object.entries({ alice, bob, carol, dave })) c.on('said', (m) => got[n].push(`${m.name}: ${m.text}`));
    expect(await alice.emitWithAck('say', 'hello room')).toEqual({ ok: true });
    await bob.emitWithAck('say', 'hi alice');
    await delay(150);
    for (const n of ['alice', 'bob', 'carol']) expect(got[n]).toEqual(['alice: hello room', 'bob: hi alice']);
    expect(got.dave).toEqual([]);
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ clients: 4 });
  });

  it('tells the room who joins and leaves, and refuses bad input', async () => {
    const alice = member(['websocket']);
    await alice.emitWithAck('join', { room: 'r', name: 'alice' });
    const bob = member(['websocket']);
    const joined = once(alice, 'joined');
    await bob.emitWithAck('join', { room: 'r', name: 'bob' });
    expect(await joined).toEqual({ name: 'bob' });
    const left = once(alice, 'left');
    bob.disconnect();
    expect(await left).toEqual({ name: 'bob' });
    expect(await alice.emitWithAck('say', 'x'.repeat(5000))).toEqual({ error: 'not sent' });
    expect(await alice.emitWithAck('join', { room: '' })).toEqual({ error: 'bad room' });
  });
});
