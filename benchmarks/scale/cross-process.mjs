#!/usr/bin/env node
// Cross-process fan-out: one redis-server, PROCS server processes on it, SUBS subscribers on each,
// one publisher on the first keeping INFLIGHT messages in flight (a message is done when every
// subscriber on every process has it). Deliveries/s of our App + RedisBroker against Socket.IO 4
// + @socket.io/redis-adapter on the same topology, alternating, ROUNDS rounds.
//
//   node scale/cross-process.mjs [--procs 3] [--subs 100] [--inflight 16] [--size 16] [--seconds 4] [--rounds 3]
//
// The clients are the C load generator's fan-out mode (`--sub-ports`: subscriber i on the i-th
// server round robin; `--proto socketio` for Socket.IO, a room broadcast of the publisher's
// "echo" events), which checks every message's order and bytes. Nothing is pinned (three
// servers, Redis and the load generator share the cores); the CPU each used over the measured
// window is printed, so a round bound by the load generator shows.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { freePort } from '@uws/test-services/free-port';
import { RedisServer } from '@uws/test-services/redis-server';
import { cpuSeconds } from '../harness/proc.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const PROCS = arg('procs', 3);
const SUBS = arg('subs', 100);
const INFLIGHT = arg('inflight', 16);
const SIZE = arg('size', 16);
const SECONDS = arg('seconds', 4);
const ROUNDS = arg('rounds', 3);
const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const LOADGEN = here('../loadgen/bin/loadgen');

const SERVERS = {
  'app-redis': { label: 'App (epoll) + RedisBroker', file: here('app-redis-server.mjs'), proto: [] },
  'socketio-redis': { label: 'Socket.IO 4 + @socket.io/redis-adapter', file: here('socketio-redis-server.mjs'), proto: ['--proto', 'socketio'] },
};

function startServer(file, url, port) {
  const child = spawn(process.execPath, [file, url, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes(`listening ${port}`)) resolve(child);
      if (out.includes('failed')) reject(new Error(`${file} failed to listen`));
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
}

/** Runs the load generator; samples every process's CPU at its "measure" and "end" marks. */
function runLoadgen(args, pids) {
  const child = spawn(LOADGEN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const marks = {};
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => {
    err += d;
    for (const mark of ['measure', 'end']) {
      if (!marks[mark] && err.includes(`${mark}\n`)) marks[mark] = [child.pid, ...pids].map(cpuSeconds);
    }
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop();
      if (!line?.startsWith('{')) return reject(new Error(`loadgen exit ${code}: ${err.trim()}`));
      resolve({ code, report: JSON.parse(line), marks });
    });
  });
}

async function measure(id) {
  const server = SERVERS[id];
  const redis = await RedisServer.start({ exitOnSignal: true });
  const ports = await Promise.all(Array.from({ length: PROCS }, freePort));
  const children = await Promise.all(ports.map((p) => startServer(server.file, redis.url, p)));
  try {
    const args = ['fanout', '--port', String(ports[0]), '--sub-ports', ports.join(','), '--connections', String(PROCS * SUBS),
      '--inflight', String(INFLIGHT), '--size', String(SIZE), '--duration', String(SECONDS), '--warmup', '1', ...server.proto];
    const { code, report, marks } = await runLoadgen(args, [...children.map((c) => c.pid), redis.pid]);
    const secs = report.seconds;
    const share = marks.measure && marks.end ? marks.end.map((t, i) => (t - marks.measure[i]) / secs) : [];
    const e = report.errors;
    const errors = e.connect + e.handshake + e.protocol + e.verify + e.closed;
    if (code !== 0 || errors > 0) throw new Error(`${id}: loadgen exit ${code}, errors ${JSON.stringify(e)}`);
    return { deliveriesPerSecond: report.deliveries_per_s, loadgenCpu: share[0], serversCpu: share.slice(1, 1 + PROCS), redisCpu: share[1 + PROCS] };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await redis.kill();
  }
}

const pct = (x) => (x === undefined ? '?' : `${(x * 100).toFixed(0)}%`);
console.log(`cross-process fan-out: ${PROCS} processes x ${SUBS} subscribers, 1 publisher, ${INFLIGHT} in flight, ${SIZE} B, ${SECONDS} s x ${ROUNDS} rounds; load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const results = Object.fromEntries(Object.keys(SERVERS).map((id) => [id, []]));
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? Object.keys(SERVERS) : Object.keys(SERVERS).reverse();
  for (const id of order) {
    const m = await measure(id);
    results[id].push(m.deliveriesPerSecond);
    console.log(`round ${r + 1} ${SERVERS[id].label}: ${m.deliveriesPerSecond.toFixed(0)} deliveries/s (CPU over the window: load generator ${pct(m.loadgenCpu)}, servers ${m.serversCpu.map(pct).join(' ')}, redis ${pct(m.redisCpu)})`);
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const app = median(results['app-redis']);
const sio = median(results['socketio-redis']);
console.log(`median: App ${app.toFixed(0)}/s, Socket.IO ${sio.toFixed(0)}/s, ratio ${(app / sio).toFixed(2)}x; load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
process.exit(0);
