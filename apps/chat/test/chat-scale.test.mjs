import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatPeer } from './chat-peer.mjs';
import { ChatProcess } from './chat-process.mjs';
import { RedisServer, redisSkipReason } from '@uws/test-services/redis-server';

// Fast presence for the tests: reports every 200 ms, held 1 s (the defaults are 2 s / 6 s).
const TIMINGS = { heartbeatMs: 200, presenceTtlMs: 1000, historyWaitMs: 300 };

/**
 * Reads a peer's messages of `type` until one satisfies `check`.
 * @param {ChatPeer} peer @param {string} type @param {(m: any) => boolean} check
 */
async function until(peer, type, check, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await peer.next(type, Math.max(1, deadline - Date.now()));
    if (check(m)) return m;
  }
}

/** Both sides' state for the current test. */
function harness() {
  /** @type {ChatProcess[]} */
  const processes = [];
  /** @type {ChatPeer[]} */
  const peers = [];
  afterEach(async () => {
    for (const p of peers.splice(0)) p.ws.terminate();
    await Promise.all(processes.splice(0).map((p) => p.kill('SIGTERM')));
  });
  return {
    /** @param {string[]} args */
    async start(args) {
      const p = await ChatProcess.start(args, TIMINGS);
      processes.push(p);
      return p;
    },
    /** @param {ChatProcess} server @param {string} room @param {string} name */
    async join(server, room, name) {
      const peer = await ChatPeer.connect(server.port);
      peers.push(peer);
      const joined = await peer.join(room, name);
      return { peer, joined };
    },
  };
}

describe.skipIf(redisSkipReason('the chat --redis tests') !== undefined)('chat as several processes on one Redis (--redis, real redis-server)', () => {
  /** @type {RedisServer | undefined} */
  let redis;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.kill();
  });
  const h = harness();

  it('users on two processes share a room: messages, typing, presence counts, leaving, history for a newcomer', async () => {
    const [a, b] = await Promise.all([h.start(['--redis', redis.url]), h.start(['--redis', redis.url])]);
    const { peer: ana } = await h.join(a, 'lobby', 'ana');
    const { peer: bo, joined: boJoined } = await h.join(b, 'lobby', 'bo');
    expect(boJoined.server).not.toBe((await h.join(a, 'spare', 'x')).joined.server);
    // Each process counts the other's users (the report may land just before or after the join).
    expect(await until(ana, 'presence', (m) => m.count === 2)).toMatchObject({ room: 'lobby', members: ['ana', 'bo'] });
    if (!(boJoined.members.length === 2)) await until(bo, 'presence', (m) => m.count === 2);

    ana.send({ type: 'say', text: 'hello from A' });
    expect(await bo.next('message')).toMatchObject({ room: 'lobby', name: 'ana', text: 'hello from A' });
    expect(await ana.next('message')).toMatchObject({ text: 'hello from A' }); // once, locally
    bo.send({ type: 'say', text: 'hello from B' });
    expect(await ana.next('message')).toMatchObject({ name: 'bo', text: 'hello from B' });
    bo.send({ type: 'typing' });
    expect(await ana.next('typing')).toEqual({ type: 'typing', room: 'lobby', name: 'bo' });

    // A third user on B: both processes count 3.
    const { peer: cy } = await h.join(b, 'lobby', 'cy');
    expect(await until(ana, 'presence', (m) => m.count === 3)).toMatchObject({ members: ['ana', 'bo', 'cy'], joined: 'cy' });
    await until(bo, 'presence', (m) => m.count === 3);

    // Leaving on B is seen on A.
    await cy.close();
    expect(await until(ana, 'presence', (m) => m.left === 'cy')).toMatchObject({ count: 2, members: ['ana', 'bo'] });

    // Nobody ever was in 'news' on B: its first user there still gets the lines said on A.
    const { peer: dee } = await h.join(a, 'news', 'dee');
    for (const text of ['n1', 'n2', 'n3']) {
      dee.send({ type: 'say', text });
      await dee.next('message');
    }
    // Two newcomers at once: the second waits for the first one's catch-up too.
    const [{ peer: evePeer, joined: eve }, { joined: gus }] = await Promise.all([h.join(b, 'news', 'eve'), h.join(b, 'news', 'gus')]);
    expect(eve.history.map((l) => l.text)).toEqual(['n1', 'n2', 'n3']);
    expect(gus.history.map((l) => l.text)).toEqual(['n1', 'n2', 'n3']);
    expect(eve.members.slice(0, 2)).toEqual(['dee', 'eve']);
    // And from then on B keeps the room's history itself: a line said on A reaches B's next newcomer.
    dee.send({ type: 'say', text: 'n4' });
    expect(await evePeer.next('message')).toMatchObject({ text: 'n4' });
    const { joined: fay } = await h.join(b, 'news', 'fay');
    expect(fay.history.map((l) => l.text)).toEqual(['n1', 'n2', 'n3', 'n4']);
  });

  it('threads and processes at once: --workers 2 --redis and a single process share a room', async () => {
    const [pool, single] = await Promise.all([h.start(['--workers', '2', '--redis', redis.url]), h.start(['--redis', redis.url])]);
    const { peer: ana } = await h.join(single, 'lobby', 'ana');
    const onPool = [];
    for (let i = 0; i < 6; i++) onPool.push((await h.join(pool, 'lobby', `p${i}`)).peer);
    expect(await until(ana, 'presence', (m) => m.count === 7)).toMatchObject({ room: 'lobby' });
    for (const peer of onPool) await until(peer, 'presence', (m) => m.count === 7);
    ana.send({ type: 'say', text: 'to the pool' });
    for (const peer of onPool) expect(await peer.next('message')).toMatchObject({ name: 'ana', text: 'to the pool' });
  });

  it('refuses a name taken on the other process', async () => {
    const [a, b] = await Promise.all([h.start(['--redis', redis.url]), h.start(['--redis', redis.url])]);
    const { peer: ana } = await h.join(a, 'lobby', 'ana');
    const { peer: bo } = await h.join(b, 'lobby', 'bo');
    await until(ana, 'presence', (m) => m.count === 2);
    bo.send({ type: 'join', room: 'lobby', name: 'ANA' });
    expect(await bo.next('error')).toMatchObject({ code: 'name-taken' });
  });

  it('a process killed with SIGKILL drops out of the counts on the others within the presence ttl', async () => {
    const [a, b] = await Promise.all([h.start(['--redis', redis.url]), h.start(['--redis', redis.url])]);
    const { peer: ana } = await h.join(a, 'lobby', 'ana');
    await h.join(b, 'lobby', 'bo');
    await h.join(b, 'lobby', 'cy');
    await until(ana, 'presence', (m) => m.count === 3);
    const killedAt = Date.now();
    await b.kill('SIGKILL');
    // Both of B's users go (one presence message per name), within ttl + half a heartbeat.
    const gone = await until(ana, 'presence', (m) => m.count === 1, 5000);
    const took = Date.now() - killedAt;
    expect(gone).toMatchObject({ members: ['ana'] });
    expect(took).toBeLessThan(TIMINGS.presenceTtlMs + TIMINGS.heartbeatMs + 1500);
    // The room goes on for those left.
    const { peer: dee } = await h.join(a, 'lobby', 'dee');
    expect(await until(ana, 'presence', (m) => m.joined === 'dee')).toMatchObject({ count: 2 });
    dee.send({ type: 'say', text: 'still here' });
    expect(await ana.next('message')).toMatchObject({ text: 'still here' });
  });

  it('a process stopped with SIGTERM takes its users out of the others\u2019 counts at once (close handlers run)', async () => {
    const [a, b] = await Promise.all([h.start(['--redis', redis.url]), h.start(['--redis', redis.url])]);
    const { peer: ana } = await h.join(a, 'lobby', 'ana');
    const { peer: bo } = await h.join(b, 'lobby', 'bo');
    await until(ana, 'presence', (m) => m.count === 2);
    const stoppedAt = Date.now();
    await b.kill('SIGTERM');
    // A graceful shutdown: the socket gets a close frame, not a dropped connection.
    expect(await bo.closed).toMatchObject({ code: 1001 });
    expect(await until(ana, 'presence', (m) => m.left === 'bo')).toMatchObject({ count: 1 });
    // Well before the 1 s ttl: the closing process said so.
    expect(Date.now() - stoppedAt).toBeLessThan(TIMINGS.presenceTtlMs);
  });
});

describe('chat on worker threads (--workers 2, one port, ThreadBroker)', () => {
  const h = harness();

  it('clients land on both workers and see one room: presence, messages, leaving, history', async () => {
    const server = await h.start(['--workers', '2']);
    /** @type {{ peer: ChatPeer, joined: any }[]} */
    const users = [];
    // 12 clients: all on one worker has probability 2 × 2^-12 (the kernel hashes connections).
    for (let i = 0; i < 12; i++) users.push(await h.join(server, 'lobby', `u${i}`));
    const servers = new Set(users.map((u) => u.joined.server));
    expect(servers.size).toBe(2);
    for (const { peer } of users) await until(peer, 'presence', (m) => m.count === 12);

    const [first, ...rest] = users;
    first.peer.send({ type: 'say', text: 'to everyone' });
    for (const { peer } of users) expect(await peer.next('message')).toMatchObject({ name: 'u0', text: 'to everyone' });

    const last = /** @type {typeof first} */ (rest.pop());
    await last.peer.close();
    for (const { peer } of [first, ...rest]) expect(await until(peer, 'presence', (m) => m.left === 'u11')).toMatchObject({ count: 11 });

    // A newcomer on either worker gets the room's history (4 more, so both workers likely get one).
    for (let i = 0; i < 4; i++) {
      const { joined } = await h.join(server, 'lobby', `late${i}`);
      expect(joined.history.map((l) => l.text)).toEqual(['to everyone']);
    }

    // A room one worker has never had a user in: its first user there still gets the other's lines
    // (a ThreadBroker hands every message to every thread, so each thread's history is whole).
    const { peer: ned, joined: nedJoined } = await h.join(server, 'news', 'ned');
    ned.send({ type: 'say', text: 'w1' });
    await ned.next('message');
    const seen = new Set([nedJoined.server]);
    for (let i = 0; seen.size < 2 && i < 12; i++) {
      const { joined } = await h.join(server, 'news', `reader${i}`);
      seen.add(joined.server);
      expect(joined.history.map((l) => l.text)).toEqual(['w1']);
    }
    expect(seen.size).toBe(2);
  });
});
