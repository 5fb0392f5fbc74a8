import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket, { type ClientOptions } from 'ws';
import { closed, nextMessage, openClient } from '../support/app-harness.js';
import { startFaultServer, type FaultServer } from '../support/fault-server.js';
import { CA } from '../support/tls-fixtures.js';
import { isBuilt } from '../support/built-package.js';

// ENOBUFS / ENOMEM from send(): the kernel is short of socket buffer memory. No test can bring
// that about for real on a shared machine, so a preloaded shim (test/support/send-failure-shim.c,
// compiled here) fails the Nth send of the server process. The connection that hit it must end
// cleanly (its close handler once, 1006 for the peer), the process and the other connections
// must go on.
// CI builds before it tests (turbo): a missing build there is a failure, not a skip.
const built = isBuilt('send-failure.test');
const compiler = ['cc', 'gcc', 'clang'].find((cc) => {
  try {
    execFileSync(cc, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
if (process.env.CI === 'true' && compiler === undefined) throw new Error('send-failure.test needs a C compiler (cc) in CI');
if (compiler === undefined) console.warn('send-failure.test: skipped, no C compiler (install build-essential)');

const dir = mkdtempSync(join(tmpdir(), 'uws-send-failure-'));
let shim = '';
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: FaultServer | undefined;
const clients: WebSocket[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.terminate();
  server?.stop();
  server = undefined;
});

// The Nth send of the server process fails: a few echoes go through first (under TLS the
// handshake's flights count too).
const MESSAGES = 12;
const FAIL_AT = 6;

describe.skipIf(process.platform !== 'linux' || !built || compiler === undefined)('send() failing with ENOBUFS / ENOMEM (epoll transport)', () => {
  for (const [name, errno, secure] of [
    ['ENOBUFS', 105, false],
    ['ENOMEM', 12, false],
    ['ENOBUFS under TLS', 105, true],
  ] as const) {
    it(`${name}: the connection that hit it ends with 1006, the close handler runs once, the server serves on`, async () => {
      if (shim === '') {
        shim = join(dir, 'send-failure-shim.so');
        execFileSync(compiler!, ['-shared', '-fPIC', '-O1', '-o', shim, new URL('../support/send-failure-shim.c', import.meta.url).pathname, '-ldl']);
      }
      // Behind whatever is preloaded already (the AddressSanitizer runtime must stay first).
      const preload = [process.env.LD_PRELOAD, shim].filter(Boolean).join(' ');
      server = await startFaultServer({
        tls: secure,
        env: { LD_PRELOAD: preload, UWS_FAULT_SEND_AT: String(FAIL_AT), UWS_FAULT_SEND_COUNT: '1', UWS_FAULT_SEND_ERRNO: String(errno) },
      });
      const clientOptions = secure ? ({ ca: CA, servername: 'localhost' } as ClientOptions) : undefined;
      const victim = await openClient(server.url, clientOptions);
      clients.push(victim);
      const ended = closed(victim);
      let echoed = 0;
      const gotAll = (async () => {
        for (let i = 0; i < MESSAGES; i++) {
          victim.send(`m${i}`);
          const { data } = await nextMessage(victim);
          expect(data.toString()).toBe(`m${i}`); // in order, none skipped
          echoed++;
        }
      })();
      const outcome = await Promise.race([ended.then((c) => c.code), gotAll.then(() => 'all echoed' as const)]);
      gotAll.catch(() => {});
      // The failed send ended that connection: no close frame could be sent, so the peer sees 1006.
      expect(outcome).toBe(1006);
      expect(echoed).toBeGreaterThan(0);
      expect(echoed).toBeLessThan(MESSAGES);

      // The process lives, and a fresh connection is served in full.
      const other = await openClient(server.url, clientOptions);
      clients.push(other);
      for (let i = 0; i < MESSAGES; i++) {
        other.send(`n${i}`);
        expect((await nextMessage(other)).data.toString()).toBe(`n${i}`);
      }
      const stats = await server.stats();
      expect(stats.open).toBe(2);
      expect(stats.closed).toBe(1);
      expect(stats.closeCodes).toEqual([1006]);
      expect(stats.live).toBe(2); // the listener and the second connection
      expect(server.process.exitCode).toBeNull();
    });
  }
});
