import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { clientFrame, upgradeRequest } from '../support/raw-socket.js';
import { transportKinds } from '../support/transports.js';
import { isBuilt } from '../support/built-package.js';

// The server runs the built package: under CI a missing build fails (see isBuilt).
const built = isBuilt('garbage-connections.test');
const WAVES = 10;
const underAddressSanitizer = (process.env.LD_PRELOAD ?? '').includes('libasan');
const WARMUP_WAVES = 3;
const PER_WAVE = 1000;

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** What a hostile or broken client may send. Each ends with the connection closed. */
function garbage(i: number): Buffer {
  switch (i % 5) {
    case 0:
      return Buffer.from(Array.from({ length: 200 }, (_, k) => (k * 7919 + i) & 0xff)); // random-looking bytes
    case 1:
      return Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\n${'X-Flood: y\r\n'.repeat(300)}\r\n`); // header flood → 431
    case 2:
      return Buffer.from('GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n'); // head never finished
    case 3:
      // A valid upgrade, then a frame with a reserved opcode → 1002.
      return Buffer.concat([Buffer.from(upgradeRequest('/a')), clientFrame(0x3, Buffer.from('bad'))]);
    default:
      // A valid upgrade, then a frame claiming a 1 GiB payload → 1009, nothing buffered.
      return Buffer.concat([Buffer.from(upgradeRequest('/b')), Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4])]);
  }
}

/** Collects garbage in the server, then reads its RSS. */
async function settledRss(child: ReturnType<typeof spawn>): Promise<number> {
  await new Promise((r) => setTimeout(r, 200));
  child.stdin!.write('gc\n');
  await once(child.stdout!, 'data');
  return rssKiB(child.pid!);
}

function wave(port: number, offset: number): Promise<void> {
  return new Promise((resolve) => {
    let done = 0;
    for (let i = 0; i < PER_WAVE; i++) {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('connect', () => {
        socket.write(garbage(offset + i));
        // Whatever the server does, this client goes away soon: half-open peers are the server's problem.
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        if (++done === PER_WAVE) resolve();
      });
    }
  });
}

// The server runs the built package in a child process (its RSS is what is measured).
describe.skipIf(!built).each(transportKinds)('10 000 garbage connections (%s)', (transport) => {
  it('never crash the server and leave its RSS where it was', { timeout: 90_000 }, async () => {
    // A fixed young generation: V8 otherwise grows it with the allocation rate, which moves RSS
    // by megabytes and would hide (or fake) a leak.
    const child = spawn(process.execPath, ['--expose-gc', '--min-semi-space-size=4', '--max-semi-space-size=4', new URL('../fixtures/echo-server-process.mjs', import.meta.url).pathname, transport], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const port = Number(/port (\d+)/.exec(line.toString())![1]);

    // Warm-up: the JS heap and malloc arenas grow to their working size in the first waves.
    for (let w = 0; w < WARMUP_WAVES; w++) await wave(port, w * PER_WAVE);
    const samples: number[] = [];
    for (let w = WARMUP_WAVES; w < WAVES; w++) {
      await wave(port, w * PER_WAVE);
      samples.push(await settledRss(child));
    }
    if (process.env.UWS_TRACE_RSS) console.log(transport, samples);

    // Still serving: a real client gets its echo.
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(Buffer.concat([Buffer.from(upgradeRequest('/ok')), clientFrame(0x1, Buffer.from('still here'))]));
    let text = '';
    socket.on('data', (d) => (text += d.toString('latin1')));
    const start = Date.now();
    while (!text.includes('still here') && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 10));
    expect(text).toContain('still here');
    socket.destroy();

    child.stdin.end();
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    // RSS after GC still moves by a few MiB between samples, so compare the median of the first
    // three samples with that of the last three: 4 000 connections apart, a leak of 1 KiB per
    // connection would show as 4 MiB.
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[1];
    const growth = median(samples.slice(-3)) - median(samples.slice(0, 3));
    // Under AddressSanitizer (the test:asan run) freed memory sits in ASan's quarantine, so RSS
    // says nothing there; that run checks the memory errors instead.
    if (!underAddressSanitizer) expect(growth).toBeLessThan(4 * 1024);
  });
});
