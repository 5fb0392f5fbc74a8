import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TemplatedApp } from '../../src/app/app.js';
import type { WebSocket as AppWebSocket } from '../../src/app/websocket.js';
import { loadAddon } from '../../src/transport/native-binding.js';
import { listen } from '../support/app-harness.js';
import { fixtureDir } from '../support/tls-fixtures.js';
import { listenTls } from '../support/tls-harness.js';
import { transportKinds } from '../support/transports.js';

// An EAGAIN storm: a client whose receive buffer is 4 KiB (SO_RCVBUF set before connecting)
// reads at most 4 KiB at a time, 1 ms apart, while the server has 15 MB queued for it. Every send
// meets a full socket: the server writes when the kernel reports room, up to EAGAIN, and waits
// again. It must wait for writability, not spin on EAGAIN; and once the reader speeds up, every
// byte arrives, in order.
// The client is a small Python script (test/fixtures/slow-reader.py): Node's sockets cannot set
// SO_RCVBUF. Python 3 is on every machine that builds the addon (node-gyp needs it).
const MESSAGES = 256;
const MESSAGE_BYTES = 60_000;
// 1 000 reads of at most 4 KiB: more than the kernel's send buffer held at first (checked
// below), so the server must have resumed writing during the slow stretch.
const SLOW_READS = 1000;
// Wake-ups while the peer reads slowly: at most about one per read (here a few: the kernel
// reports room once a third of the send buffer is free) plus the ticks. A loop spinning on
// EAGAIN makes tens of thousands in the same stretch.
const MAX_WAKE_UPS = SLOW_READS * 4 + 50;
// CPU time of this process while the peer reads slowly, as a share of that stretch: a spinning
// loop takes a whole core. Generous, as the machine may be loaded.
const MAX_CPU_SHARE = 0.8;

const python = (() => {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!python && process.env.CI === 'true') throw new Error('eagain-storm.test needs python3 in CI');
if (!python) console.warn('eagain-storm.test: skipped, no python3 (install python3)');

const apps: TemplatedApp[] = [];
let reader: ChildProcessWithoutNullStreams | undefined;
afterEach(() => {
  reader?.kill();
  reader = undefined;
  for (const a of apps.splice(0)) a.close();
});

describe.skipIf(!python).each(transportKinds)('a slow reader with a tiny receive buffer (%s transport)', (transport) => {
  // TLS on epoll: the addon's own encrypted write path; node:tls is Node's.
  it.each(transport === 'epoll' ? [false, true] : [false])('the server waits for writability instead of spinning, and delivers every message in order (TLS: %s)', async (secure) => {
    let buffered = 0;
    let closes = 0;
    const { app, port } = await (secure ? listenTls : listen)(transport, (a) =>
      a.ws('/*', {
        maxBackpressure: 64 * 1024 * 1024,
        idleTimeout: 0,
        open: (ws: AppWebSocket<unknown>) => {
          for (let i = 0; i < MESSAGES; i++) {
            const m = Buffer.alloc(MESSAGE_BYTES, i & 0xff);
            m.writeUInt32BE(i, 0);
            expect(ws.send(m, true)).not.toBe(2); // never dropped
          }
          buffered = ws.getBufferedAmount();
        },
        close: () => {
          closes++;
        },
      }),
    );
    apps.push(app);
    const script = new URL('../fixtures/slow-reader.py', import.meta.url).pathname;
    const ca = join(fixtureDir, 'ca.pem');
    const proc = spawn('python3', [script, String(port), String(SLOW_READS), String(MESSAGES), ...(secure ? [ca] : [])]);
    reader = proc;
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const lines = createInterface({ input: proc.stdout });
    const iter = lines[Symbol.asyncIterator]();
    const line = async (): Promise<string> => {
      const r = await iter.next();
      if (r.done) throw new Error(`the slow reader ended early: ${stderr}`);
      return r.value;
    };

    expect(await line()).toBe('open');
    const addon = transport === 'epoll' ? loadAddon() : undefined;
    addon?.readFairness(); // the counts start here
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const slowBytes = Number(/^slow-done (\d+)$/.exec(await line())?.[1]);
    const cpu = process.cpuUsage(cpuBefore);
    const stretchMicros = Number(process.hrtime.bigint() - started) / 1000;
    const wakeUps = addon?.readFairness()[0];

    // The kernel took a small part: most was queued behind EAGAIN, and the reader took more
    // than the kernel held at first, so sends resumed (and met EAGAIN again) while it was slow.
    const total = MESSAGES * MESSAGE_BYTES;
    expect(buffered).toBeGreaterThan(total / 2);
    expect(slowBytes).toBeGreaterThan(total - buffered);
    if (wakeUps !== undefined) expect(wakeUps).toBeGreaterThan(0);
    if (wakeUps !== undefined) expect(wakeUps).toBeLessThan(MAX_WAKE_UPS);
    expect((cpu.user + cpu.system) / stretchMicros).toBeLessThan(MAX_CPU_SHARE);

    const result = JSON.parse(await line()) as { messages: number; bytes: number; inOrder: boolean };
    expect(result).toEqual({ messages: MESSAGES, bytes: MESSAGES * MESSAGE_BYTES, inOrder: true });
    // The reader holds its socket open until its stdin ends: no close has happened yet, unless
    // the server closed the connection.
    expect(closes).toBe(0);
    proc.stdin.end();
  });
});
