#!/usr/bin/env node
// 1 worker vs 2 workers of startWorkerPool on this 2-core machine, the C load generator apart:
// 1 worker under `taskset -c 0`, 2 workers under `taskset -c 0,1`, the load generator under
// `taskset -c 1` in both (so the 2-worker run shares core 1 with it: a lower bound). Echo
// (512 B, 100 connections, P=16) and fan-out (1 000 subscribers spread over the workers by the
// kernel, 16 B, P=16: the ThreadBroker carries each publish to the other worker).
//
//   node scale/workers.mjs [--seconds 3] [--rounds 2]
import { execFileSync, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { freePort } from '@uws/test-services/free-port';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const SECONDS = arg('seconds', 3);
const ROUNDS = arg('rounds', 2);
const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const loadgen = here('../loadgen/bin/loadgen');
execFileSync('make', ['-s', '-C', here('../loadgen')], { stdio: 'inherit' });

async function run(workers, mode, args) {
  const port = await freePort();
  const cpus = workers === 1 ? '0' : '0,1';
  const server = spawn('taskset', ['-c', cpus, process.execPath, here('pool-server.mjs'), String(workers), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => (out += d) && out.includes('listening') && resolve());
    server.once('exit', (c) => reject(new Error(`pool server exited ${c}`)));
  });
  const lgArgs = [mode, '--port', String(port), '--duration', String(SECONDS), '--warmup', '1', ...args];
  const out = execFileSync('taskset', ['-c', '1', loadgen, ...lgArgs], { encoding: 'utf8' });
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  const report = JSON.parse(out.trim().split('\n').pop());
  return mode === 'fanout' ? report.deliveries_per_s : report.msgs_per_s;
}

const cases = [
  ['echo 512 B, 100 conns, P=16 (msg/s)', 'echo', ['--size', '512', '--connections', '100', '--inflight', '16']],
  ['fan-out 1 000 subs, 16 B, P=16 (deliveries/s)', 'fanout', ['--size', '16', '--connections', '1000', '--inflight', '16']],
];
console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (const [name, mode, args] of cases) {
  const got = { 1: [], 2: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const w of r % 2 === 0 ? [1, 2] : [2, 1]) got[w].push(await run(w, mode, args));
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`${name}: 1 worker ${got[1].map((x) => x.toFixed(0)).join(', ')} | 2 workers ${got[2].map((x) => x.toFixed(0)).join(', ')} | ratio of means ${(mean(got[2]) / mean(got[1])).toFixed(2)}x`);
}
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
