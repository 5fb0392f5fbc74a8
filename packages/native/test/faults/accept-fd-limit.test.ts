import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { nextMessage, openClient } from '../support/app-harness.js';
import { startFaultServer, type FaultServer } from '../support/fault-server.js';
import { transportKinds } from '../support/transports.js';
import { isBuilt } from '../support/built-package.js';

// The server runs in a child process whose descriptor limit is lowered with `ulimit -n`, so
// accept() really fails with EMFILE. The epoll loop watches a level-triggered listen fd: at the
// limit, the connections in the backlog keep it readable, and a loop that only retried accept()
// would wake up again at once, forever. The loop's wake-up counter tells that apart from a
// quiet loop without any reference to time.
// CI builds before it tests (turbo): a missing build there is a failure, not a skip.
const built = isBuilt('accept-fd-limit.test');
const FD_LIMIT = 64;
// More than the limit can hold: Node itself holds some 20-30 descriptors.
const ATTEMPTS = 80;
// Wake-ups a quiet loop makes while we probe it (one per connection attempt, plus a few): a
// spinning loop makes tens of thousands in the same interval.
const MAX_WAKE_UPS_WHILE_PROBED = 200;

let server: FaultServer | undefined;
const clients: WebSocket[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.terminate();
  server?.stop();
  server = undefined;
});

/** Opens a ws client; resolves with it, or with null when the server ended the connection (or left it hanging for 2 s). */
function tryOpen(url: string): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(null);
    }, 2000);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

describe.skipIf(process.platform !== 'linux' || !built).each(transportKinds)('accept() at the descriptor limit (EMFILE), %s transport', (transport) => {

  it('sheds connections without spinning, logs once per episode, and accepts again once descriptors free up', async () => {
    server = await startFaultServer({ fdLimit: FD_LIMIT, transport });
    // The loop's own counts exist on epoll only; node:net (libuv) is checked by its behaviour.
    const epoll = transport === 'epoll';
    const url = server.url;
    const before = await server.stats();

    let refused = 0;
    for (let i = 0; i < ATTEMPTS && refused < 5; i++) {
      const ws = await tryOpen(url);
      if (ws === null) refused++;
      else clients.push(ws);
    }
    // The limit was reached: some connections were accepted, the rest shed (not left hanging).
    expect(clients.length).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    const atLimit = await server.stats();
    expect(atLimit.open).toBe(clients.length);
    if (epoll) {
      expect(atLimit.episodes).toBe(1);
      expect(atLimit.atLimit).toBe(true);
      expect(atLimit.shed).toBeGreaterThanOrEqual(refused);
    }

    // Still at the limit: a few more attempts, then an idle stretch. The loop must not spin.
    for (let i = 0; i < 5; i++) expect(await tryOpen(url)).toBeNull();
    await new Promise((r) => setTimeout(r, 500));
    const probed = await server.stats();
    if (epoll) {
      expect(probed.wakeUps).toBeLessThan(MAX_WAKE_UPS_WHILE_PROBED);
      expect(probed.episodes).toBe(1);
    }

    // Free the descriptors: every connection closes, and the listener serves again.
    const closes = clients.map((ws) => new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code))));
    const ended = await server.closeAll();
    expect(ended).toBe(clients.length);
    expect(new Set(await Promise.all(closes))).toEqual(new Set([1001]));
    clients.length = 0;
    const fresh = await openClient(url);
    clients.push(fresh);
    fresh.send('still serving');
    expect((await nextMessage(fresh)).data.toString()).toBe('still serving');
    const after = await server.stats();
    expect(after.atLimit).toBe(false);
    if (epoll) expect(after.episodes).toBe(1);

    // One line for the episode, however many attempts failed in it.
    const log = server.stderr();
    if (epoll) {
      expect(log.match(/accept\(\) failed with/g)?.length).toBe(1);
      expect(log.match(/accepting connections again/g)?.length).toBe(1);
    } else {
      // libuv sheds through its own reserve descriptor and tells Node nothing while that works;
      // when it cannot, each failed attempt is an 'error' event: logged once, never per attempt.
      expect(log.match(/accept\(\) failed with/g)?.length ?? 0).toBeLessThanOrEqual(1);
    }
    expect(before.episodes).toBe(0);
  }, 60_000);
});
