import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_NAME_LENGTH, MAX_TEXT_LENGTH } from '../src/protocol.mjs';
import { ChatPeer } from './chat-peer.mjs';
import { startChat } from './server-start.mjs';

describe.each(['auto', 'node'])('chat server over real ws clients (%s transport)', (transport) => {
  /** @type {import('@uws/native').TemplatedApp | undefined} */
  let app;
  /** @type {ChatPeer[]} */
  let peers = [];
  afterEach(() => {
    for (const p of peers) p.ws.terminate();
    peers = [];
    app?.close();
  });
  async function start(options = {}) {
    const started = await startChat({ transport, ...options });
    app = started.app;
    return started.port;
  }
  async function peer(port) {
    const p = await ChatPeer.connect(port);
    peers.push(p);
    return p;
  }

  it('joins, counts presence, delivers messages to the room only, and sees a leave', async () => {
    const port = await start();
    const [ana, bo, cy] = [await peer(port), await peer(port), await peer(port)];
    expect(await ana.join('lobby', 'ana')).toMatchObject({ room: 'lobby', name: 'ana', members: ['ana'], history: [] });
    expect(await ana.next('presence')).toMatchObject({ count: 1, joined: 'ana' });
    expect(await bo.join('lobby', 'bo')).toMatchObject({ members: ['ana', 'bo'] });
    expect(await ana.next('presence')).toMatchObject({ room: 'lobby', count: 2, members: ['ana', 'bo'], joined: 'bo' });
    await cy.join('other', 'cy');

    ana.send({ type: 'say', text: '  hello bo  ' });
    const got = await bo.next('message');
    expect(got).toMatchObject({ room: 'lobby', name: 'ana', text: 'hello bo' });
    expect(typeof got.at).toBe('number');
    expect(await ana.next('message')).toMatchObject({ name: 'ana', text: 'hello bo' });

    cy.send({ type: 'say', text: 'only for other' });
    expect(await cy.next('message')).toMatchObject({ room: 'other', text: 'only for other' });
    bo.send({ type: 'say', text: 'after' });
    expect(await ana.next('message')).toMatchObject({ text: 'after' }); // cy's line never reached lobby

    await bo.close();
    expect(await ana.next('presence')).toMatchObject({ count: 1, members: ['ana'], left: 'bo' });
  });

  it('sends typing to the others in the room, not to the typer', async () => {
    const port = await start();
    const [ana, bo] = [await peer(port), await peer(port)];
    await ana.join('lobby', 'ana');
    await bo.join('lobby', 'bo');
    bo.send({ type: 'typing' });
    expect(await ana.next('typing')).toEqual({ type: 'typing', room: 'lobby', name: 'bo' });
    bo.send({ type: 'say', text: 'done typing' });
    await bo.next('message');
    expect(bo.inbox.some((m) => m.type === 'typing')).toBe(false);
  });

  it('keeps the last N messages of a room and hands them to a newcomer', async () => {
    const port = await start({ historyPerRoom: 3 });
    const ana = await peer(port);
    await ana.join('lobby', 'ana');
    for (let i = 1; i <= 5; i++) {
      ana.send({ type: 'say', text: `line ${i}` });
      await ana.next('message');
    }
    const bo = await peer(port);
    const joined = await bo.join('lobby', 'bo');
    expect(joined.history.map((h) => h.text)).toEqual(['line 3', 'line 4', 'line 5']);
    expect(joined.history[0].name).toBe('ana');
  });

  it('moves a socket between rooms and refuses a name taken in a room', async () => {
    const port = await start();
    const [ana, bo] = [await peer(port), await peer(port)];
    await ana.join('lobby', 'Ana');
    bo.send({ type: 'join', room: 'lobby', name: 'ana' });
    expect(await bo.next('error')).toMatchObject({ code: 'name-taken' });
    await bo.join('lobby', 'bo');
    await ana.next('presence'); // ana's own join
    expect(await ana.next('presence')).toMatchObject({ count: 2, joined: 'bo' });
    await bo.join('kitchen', 'bo');
    expect(await ana.next('presence')).toMatchObject({ count: 1, left: 'bo' });
    ana.send({ type: 'say', text: 'anyone?' });
    await ana.next('message');
    bo.send({ type: 'say', text: 'in the kitchen' });
    expect(await bo.next('message')).toMatchObject({ room: 'kitchen' });
    expect(ana.inbox.some((m) => m.type === 'message' && m.text === 'in the kitchen')).toBe(false);
  });

  it('answers bad input with error messages and stays up', async () => {
    const port = await start();
    const p = await peer(port);
    const cases = [
      ['not json', 'bad-json'],
      ['[1,2]', 'bad-json'],
      ['null', 'bad-json'],
      [{ type: 'dance' }, 'bad-type'],
      [{ type: 'say', text: 'hi' }, 'not-joined'],
      [{ type: 'typing' }, 'not-joined'],
      [{ type: 'join', room: 'lobby' }, 'bad-name'],
      [{ type: 'join', room: 'lobby', name: 'x'.repeat(MAX_NAME_LENGTH + 1) }, 'bad-name'],
      [{ type: 'join', room: 'lobby', name: 'a\u0007b' }, 'bad-name'],
      [{ type: 'join', room: 'Lobby Room!', name: 'ana' }, 'bad-room'],
      [{ type: 'join', room: 42, name: 'ana' }, 'bad-room'],
    ];
    for (const [input, code] of cases) {
      p.send(input);
      expect(await p.next('error'), JSON.stringify(input)).toMatchObject({ code });
    }
    await p.join('lobby', 'ana');
    for (const text of ['', '   ', 'x'.repeat(MAX_TEXT_LENGTH + 1), 7, 'bell\u0007']) {
      p.send({ type: 'say', text });
      expect(await p.next('error')).toMatchObject({ code: 'bad-text' });
    }
    p.send({ type: 'say', text: 'x'.repeat(MAX_TEXT_LENGTH) });
    expect((await p.next('message')).text.length).toBe(MAX_TEXT_LENGTH);
  });

  it('closes a binary sender with 1003 and an oversized message with 1009', async () => {
    const port = await start();
    const [a, b, c] = [await peer(port), await peer(port), await peer(port)];
    await c.join('lobby', 'cy');
    a.ws.send(Buffer.from([1, 2, 3]));
    expect((await a.closed).code).toBe(1003);
    b.ws.send('x'.repeat(64 * 1024));
    expect((await b.closed).code).toBe(1009);
    c.send({ type: 'say', text: 'still here' });
    expect(await c.next('message')).toMatchObject({ text: 'still here' });
  });

  it('serves the page from its own HTTP route', async () => {
    const port = await start();
    const { status, type, body } = await new Promise((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/`, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body: text }));
      }).on('error', reject);
    });
    expect(status).toBe(200);
    expect(type).toBe('text/html; charset=utf-8');
    expect(body).toContain('/chat');
  });
});
