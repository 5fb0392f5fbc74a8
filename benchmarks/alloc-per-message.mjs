#!/usr/bin/env node
// Bytes of JavaScript heap an App allocates per message it handles, measured in the server
// process while the C load generator drives it:
//
//   node alloc-per-message.mjs [--mode echo|fanout|deflate] [--transport epoll|node]
//                              [--size 16] [--connections 100] [--inflight 16]
//                              [--messages 1000000] [--warm 200000] [--profile]
//
// The server runs with a new space large enough that no garbage collection happens between the
// two marks (after `--warm` messages, and `--messages` later), so the growth of the used heap
// between them is exactly what was allocated; a run in which a collection did happen is
// reported as invalid. echo: messages echoed; fanout: messages published (each delivered to
// every subscriber); deflate: compressed messages echoed compressed. `--profile` also samples
// the allocations by call site (V8's sampling heap profiler, objects collected later included)
// and prints the top sites.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import inspector from 'node:inspector';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { writeDeflateInput } from './harness/deflate-input.mjs';

const argv = process.argv.slice(2);
const opt = { mode: 'echo', transport: 'epoll', size: 16, connections: 100, inflight: 16, messages: 1_000_000, warm: 200_000, profile: false };
for (let i = 0; i < argv.length; i++) {
  const key = argv[i].replace(/^--/, '');
  if (key === 'profile') opt.profile = true;
  else if (key in opt) opt[key] = typeof opt[key] === 'number' ? Number(argv[++i]) : argv[++i];
  else {
    console.error(`unknown option ${argv[i]}`);
    process.exit(2);
  }
}

// New space in MB: room for every byte allocated between the marks, so no scavenge runs there.
const SEMI_SPACE_MB = 1024;
if (typeof globalThis.gc !== 'function') {
  const self = fileURLToPath(import.meta.url);
  const run = spawnSync(process.execPath, ['--expose-gc', `--min-semi-space-size=${SEMI_SPACE_MB}`, `--max-semi-space-size=${SEMI_SPACE_MB}`, self, ...argv], {
    stdio: 'inherit',
  });
  process.exit(run.status ?? 1);
}

const { App, SHARED_COMPRESSOR } = await import('@uws/native');
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const loadgen = here('loadgen/bin/loadgen');
if (!existsSync(loadgen)) spawnSync('make', ['-s', '-C', here('loadgen')], { stdio: 'inherit' });

const gcs = [];
new PerformanceObserver((list) => gcs.push(...list.getEntries().map((e) => e.startTime))).observe({ entryTypes: ['gc'] });

let session;
if (opt.profile) {
  session = new inspector.Session();
  session.connect();
}
const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));

let count = 0;
let start;
let end;
let resolveDone;
const done = new Promise((resolve) => (resolveDone = resolve));
function mark() {
  count++;
  if (count === opt.warm) {
    globalThis.gc();
    globalThis.gc();
    start = { heap: process.memoryUsage().heapUsed, time: performance.now() };
    if (opt.profile) session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  } else if (count === opt.warm + opt.messages) {
    end = { heap: process.memoryUsage().heapUsed, time: performance.now() };
    resolveDone();
  }
}

const common = { compression: SHARED_COMPRESSOR, maxPayloadLength: 64 * 1024 * 1024, maxBackpressure: 256 * 1024 * 1024, idleTimeout: 0 };
const app = App({ transport: opt.transport })
  .ws('/sub', { ...common, open: (ws) => ws.subscribe('t') })
  .ws('/pub', {
    ...common,
    message: (ws, message, isBinary) => {
      app.publish('t', message, isBinary, true);
      mark();
    },
  })
  .ws('/*', {
    ...common,
    message: (ws, message, isBinary) => {
      ws.send(message, isBinary, true);
      mark();
    },
  });
const port = await new Promise((resolve, reject) => app.listen('127.0.0.1', 0, (token) => (token ? resolve(token.port) : reject(new Error('listen failed')))));

const args = [opt.mode, '--port', String(port), '--duration', '600', '--warmup', '0', '--timeout', '60'];
if (opt.mode === 'deflate') args.push('--deflate-file', writeDeflateInput(), '--connections', String(opt.connections), '--inflight', String(opt.inflight));
else args.push('--connections', String(opt.connections), '--inflight', String(opt.inflight), '--size', String(opt.size));
const client = spawn(loadgen, args, { stdio: ['ignore', 'ignore', 'inherit'] });
client.on('exit', (code) => {
  if (end === undefined) {
    console.error(`the load generator ended (${code}) after ${count} messages`);
    process.exit(1);
  }
});
await done;
client.kill('SIGTERM');
let profile;
if (opt.profile) profile = (await post('HeapProfiler.stopSampling')).profile;
app.close();
await new Promise((resolve) => setTimeout(resolve, 100));

const collected = gcs.filter((t) => t > start.time && t < end.time).length;
const perMessage = (end.heap - start.heap) / opt.messages;
const what = opt.mode === 'fanout' ? 'published message' : 'message';
console.log(
  JSON.stringify({
    mode: opt.mode,
    transport: opt.transport,
    size: opt.mode === 'deflate' ? 'deflate-input' : opt.size,
    connections: opt.connections,
    inflight: opt.inflight,
    messages: opt.messages,
    bytesPerMessage: Math.round(perMessage * 10) / 10,
    gcsInWindow: collected,
    valid: collected === 0,
  }),
);
console.log(`${perMessage.toFixed(1)} bytes allocated per ${what}${collected === 0 ? '' : ` (INVALID: ${collected} collections ran in the window)`}`);
if (profile !== undefined) printTopSites(profile);
process.exit(collected === 0 ? 0 : 1);

/** Self bytes by call site (function @ file:line), top 15. */
function printTopSites(p) {
  const sites = new Map();
  const walk = (node, stack) => {
    const f = node.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    const self = node.selfSize;
    if (self > 0) {
      const key = `${name}  <  ${stack.slice(-3).reverse().join('  <  ')}`;
      sites.set(key, (sites.get(key) ?? 0) + self);
    }
    for (const c of node.children) walk(c, [...stack, name]);
  };
  walk(p.head, []);
  const total = [...sites.values()].reduce((a, b) => a + b, 0);
  console.log(`sampled ${(total / opt.messages).toFixed(1)} bytes per ${what}; top sites:`);
  for (const [site, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${(bytes / opt.messages).toFixed(1).padStart(7)} B  ${site}`);
}
