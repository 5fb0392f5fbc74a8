// Where the memory of idle connections goes, for one benchmark server: the `idle` scenario's
// RSS per connection split by V8 heap space, the bytes per connection that survived young-
// generation GCs while the connections opened (V8 grows the young generation, 2x at a time,
// each time the bytes surviving since the last growth exceed its size: that growth is often the
// largest item), and with --snapshot the objects that stay per connection, by constructor.
//
//   node idle-breakdown.mjs [--server ws-compat] [--connections 10000] [--snapshot]
//
// The server is started exactly as run.mjs starts it (benchmarks/servers/), plus
// `--trace-gc-nvp` and harness/heap-probe.mjs; the load generator holds the connections. Not a
// benchmark: one run, no pinning, nothing compared. --snapshot forces full GCs (so the RSS line
// then differs from run.mjs's) and parses two snapshots: give the process memory
// (node --max-old-space-size=4096) and keep --connections to about 5000.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './harness/measure.mjs';
import { SERVERS } from './harness/servers.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const serverId = arg('server', 'ws-compat');
const count = Number(arg('connections', 10000));
const withSnapshot = process.argv.includes('--snapshot');
const server = SERVERS[serverId];
if (server === undefined || server.cmd[0] !== process.execPath) {
  console.error(`--server: one of the Node servers: ${Object.keys(SERVERS).filter((k) => SERVERS[k].cmd[0] === process.execPath).join(', ')}`);
  process.exit(2);
}
const loadgen = fileURLToPath(new URL('loadgen/bin/loadgen', import.meta.url));
const probe = fileURLToPath(new URL('harness/heap-probe.mjs', import.meta.url));
const snapshotPrefix = join(tmpdir(), `idle-breakdown-${process.pid}`);

const port = await freePort();
const [bin, file, ...rest] = server.cmd;
const srv = spawn(bin, ['--trace-gc-nvp', '--import', probe, file, ...rest, String(port)], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: withSnapshot ? { ...process.env, HEAP_PROBE_SNAPSHOT: snapshotPrefix } : process.env,
});
/** Young-generation GCs seen so far: bytes promoted plus bytes copied within the young generation. */
const scavenges = [];
const probes = [];
let listening;
const ready = new Promise((resolve) => (listening = resolve));
lines(srv.stdout, (line) => {
  if (line.startsWith('listening')) listening();
  const gc = / gc=(\S+) /.exec(line);
  if (gc?.[1] === 's') scavenges.push(Number(/ promoted=(\d+)/.exec(line)[1]) + Number(/ new_space_survived=(\d+)/.exec(line)[1]));
});
lines(srv.stderr, (line) => {
  if (line.startsWith('heap-probe ')) probes.push(JSON.parse(line.slice(11)));
  else if (line.trim() !== '') console.error(`server: ${line}`);
});

try {
  await ready;
  await sleep(300);
  const before = await sample();
  const fromScavenge = scavenges.length;
  const lg = spawn(loadgen, ['idle', '--port', String(port), '--connections', String(count), '--duration', '600'], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise((resolve, reject) => {
    lines(lg.stderr, (line) => line.startsWith('ready') && resolve());
    lg.on('exit', () => reject(new Error('the load generator exited before "ready"')));
  });
  await sleep(1000); // as run.mjs: RSS is read 1 s after the connections are open
  const after = await sample();
  lg.kill();
  report(before, after, scavenges.slice(fromScavenge));
} finally {
  srv.kill();
  if (withSnapshot) for (const n of [1, 2]) rmSync(`${snapshotPrefix}.${n}.heapsnapshot`, { force: true });
}

/** Asks the server for a probe line and waits for it. */
async function sample() {
  const n = probes.length;
  srv.kill('SIGUSR2');
  for (let waited = 0; probes.length === n; waited += 10) {
    if (waited > 120_000) throw new Error('no answer from the heap probe');
    await sleep(10);
  }
  return probes[n];
}

function report(before, after, survived) {
  const per = (a, b) => ((b - a) / count).toFixed(0).padStart(7);
  console.log(`${server.label}: ${count} idle connections (Node ${process.version})`);
  console.log(`RSS                 ${per(before.rss, after.rss)} B/connection${before.snapshot ? ' (includes what taking the snapshots cost)' : ''}`);
  console.log(`external (off-heap) ${per(before.external, after.external)} B/connection`);
  console.log('V8 heap space        committed      used  (B/connection)');
  for (const [name, a] of Object.entries(after.spaces)) {
    const b = before.spaces[name] ?? { committed: 0, used: 0 };
    if (Math.abs(a.committed - b.committed) + Math.abs(a.used - b.used) < count) continue;
    console.log(`  ${name.padEnd(18)} ${per(b.committed, a.committed)}   ${per(b.used, a.used)}`);
  }
  const total = survived.reduce((s, x) => s + x, 0);
  console.log(`young-GC survival   ${(total / count).toFixed(0).padStart(7)} B/connection over ${survived.length} scavenges`);
  if (before.snapshot && after.snapshot) {
    console.log('objects kept per connection (after a full GC), by type and constructor:');
    const a = objectsIn(before.snapshot);
    const rows = [...objectsIn(after.snapshot)].map(([k, [n, size]]) => [k, (n - (a.get(k)?.[0] ?? 0)) / count, (size - (a.get(k)?.[1] ?? 0)) / count]);
    rows.sort((x, y) => y[2] - x[2]);
    console.log(`  total ${rows.reduce((s, r) => s + r[2], 0).toFixed(0)} B/connection`);
    for (const [k, n, size] of rows.slice(0, 25)) if (size >= 4) console.log(`  ${size.toFixed(1).padStart(8)} B ${n.toFixed(2).padStart(6)}x  ${k}`);
  }
}

/** Count and self size of a heap snapshot's nodes by "type name" (strings and numbers pooled). */
function objectsIn(path) {
  const s = JSON.parse(readFileSync(path, 'utf8'));
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [ti, ni, si] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out = new Map();
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const type = types[s.nodes[i + ti]];
    const name = type.includes('string') ? '(strings)' : type === 'number' ? '(numbers)' : s.strings[s.nodes[i + ni]].slice(0, 60);
    const key = `${type} ${name}`;
    const e = out.get(key) ?? [0, 0];
    e[0]++;
    e[1] += s.nodes[i + si];
    out.set(key, e);
  }
  return out;
}

function lines(stream, fn) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop();
    for (const line of parts) fn(line);
  });
}
