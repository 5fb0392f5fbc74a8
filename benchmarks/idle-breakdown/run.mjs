#!/usr/bin/env node
// Where the RSS of idle connections goes. Starts one benchmark server with probe.mjs preloaded,
// pinned like the harness does (server CPU 0, load generator CPU 1), takes a memory snapshot
// 300 ms after it listens, opens N idle connections with the load generator's idle mode, takes
// another snapshot 1 s after they are all open (the harness's RSS sample points), and prints
// the difference per connection: RSS, V8's spaces, ArrayBuffers, malloc's heap, other mappings.
//
//   node idle-breakdown/run.mjs [--server app-epoll] [--connections 10000] [--gc] [--no-pin] [--json]
//                               [--node-flag <flag>]... [--heap-snapshots <dir>] [--allocations <file>]
//                               [--survivors] [--scavenge]
//
// --allocations samples every allocation (garbage included) between the two snapshots and
// prints allocations.mjs's table of the functions that allocated, per connection.
// --heap-snapshots writes a V8 heap snapshot at both points (after the numbers are taken) and
// prints census.mjs's table of the objects that grew.
// --survivors runs the server with --trace-gc-nvp and adds the bytes that survived the
// scavenges between the snapshots (what makes V8 grow its young generation), per connection.
//
// --node-flag passes a flag to the server's node (e.g. --max-semi-space-size=1, --no-opt), to
// see what a part of the cost depends on.
// --gc runs a full GC before each snapshot (what is live rather than what the young generation
// holds); the harness does not, so compare RSS figures without it. --scavenge runs two
// scavenges instead (with --allocations and PROBE_ALLOCATIONS_MINOR=0 in the environment: the
// allocations that survived one, which are what grows the young generation).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../harness/measure.mjs';
import { SERVERS } from '../harness/servers.mjs';

const argv = process.argv.slice(2);
const opt = { server: 'app-epoll', connections: 10000, gc: false, pin: true, json: false, nodeFlags: [] };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--server') opt.server = argv[++i];
  else if (a === '--connections') opt.connections = Number(argv[++i]);
  else if (a === '--gc') opt.gc = true;
  else if (a === '--scavenge') opt.gc = 'minor';
  else if (a === '--survivors') opt.survivors = true;
  else if (a === '--no-pin') opt.pin = false;
  else if (a === '--json') opt.json = true;
  else if (a === '--node-flag') opt.nodeFlags.push(argv[++i]);
  else if (a === '--heap-snapshots') opt.heapSnapshots = argv[++i];
  else if (a === '--allocations') opt.allocations = argv[++i];
  else {
    console.error(`unknown option ${a}`);
    process.exit(2);
  }
}
const server = SERVERS[opt.server];
if (server === undefined || server.cmd[0] !== process.execPath) {
  console.error(`--server must name a Node server of the harness (${Object.keys(SERVERS).join(', ')})`);
  process.exit(2);
}
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const pin = (cpu, cmd) => (opt.pin ? ['taskset', '-c', String(cpu), ...cmd] : cmd);

const port = await freePort();
const [node, ...serverArgs] = server.cmd;
const nodeFlags = ['--import', here('probe.mjs'), ...(opt.gc ? ['--expose-gc'] : []), ...(opt.survivors ? ['--trace-gc-nvp'] : []), ...opt.nodeFlags];
const [bin, ...args] = pin(0, [node, ...nodeFlags, ...serverArgs, String(port)]);
const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PROBE_GC: opt.gc === 'minor' ? 'minor' : opt.gc ? '1' : '0', PROBE_HEAP_SNAPSHOTS: opt.heapSnapshots ?? '', PROBE_ALLOCATIONS: opt.allocations ?? '' } });

const snapshots = [];
let waiting;
let errText = '';
child.stderr.on('data', (d) => {
  errText += d;
  let nl;
  while ((nl = errText.indexOf('\n')) >= 0) {
    const line = errText.slice(0, nl);
    errText = errText.slice(nl + 1);
    if (line.startsWith('memory ')) {
      snapshots.push(JSON.parse(line.slice(7)));
      waiting?.();
    } else if (line) process.stderr.write(`server: ${line}\n`);
  }
});
let out = '';
await new Promise((resolve, reject) => {
  child.stdout.on('data', (d) => {
    out += d;
    if (/^listening /m.test(out)) resolve();
  });
  child.once('exit', () => reject(new Error('server exited before listening')));
});

async function snapshot() {
  const got = new Promise((resolve) => (waiting = resolve));
  child.kill('SIGUSR2');
  await got;
  return snapshots[snapshots.length - 1];
}

await sleep(300);
const before = await snapshot();
const gcFrom = out.length;
// TLS servers (the *-tls entries) get the TLS load generator, as the harness's tls-idle does.
const tls = opt.server.endsWith('-tls');
const loadgen = here(tls ? '../loadgen/bin/loadgen-tls' : '../loadgen/bin/loadgen');
const lgArgs = ['idle', '--port', String(port), '--connections', String(opt.connections), '--duration', '3', '--timeout', '90'];
if (tls) lgArgs.push('--tls', '1');
const [lgBin, ...lgRest] = pin(1, [loadgen, ...lgArgs, ...(server.loadgen ?? [])]);
const lg = spawn(lgBin, lgRest, { stdio: ['ignore', 'pipe', 'pipe'] });
let open = NaN;
const held = new Promise((resolve) => {
  lg.stderr.on('data', async (d) => {
    const m = /^ready (\d+)/m.exec(String(d));
    if (m === null) return;
    open = Number(m[1]);
    await sleep(1000);
    resolve(await snapshot());
  });
});
const after = await held;
const gcTrace = out.slice(gcFrom);
await new Promise((resolve) => lg.once('exit', resolve));
child.kill('SIGTERM');

const rows = [];
const per = (a, b) => (b - a) / open;
rows.push(['RSS', per(before.rss, after.rss)]);
rows.push(['  anonymous (RssAnon)', per(before.rssAnon, after.rssAnon)]);
rows.push(['  file-backed (RssFile)', per(before.rssFile, after.rssFile)]);
rows.push(['mappings: [heap] (malloc main arena)', per(before.mappings.heap, after.mappings.heap)]);
rows.push(['mappings: anonymous (V8 heap, big mallocs, arenas)', per(before.mappings.anon, after.mappings.anon)]);
for (const [file, rss] of Object.entries(after.mappings.files)) {
  const grew = per(before.mappings.files[file] ?? 0, rss);
  if (grew >= 1) rows.push([`  file ${file.split('/').slice(-2).join('/')}`, grew]);
}
rows.push(['mappings: other', per(before.mappings.other + before.mappings.stack + before.mappings.file, after.mappings.other + after.mappings.stack + after.mappings.file)]);
let physical = 0;
for (const name of Object.keys(after.spaces)) {
  const a = before.spaces[name] ?? { physical: 0, used: 0 };
  const b = after.spaces[name];
  physical += b.physical - a.physical;
  rows.push([`V8 ${name}: physical (used)`, per(a.physical, b.physical), per(a.used, b.used)]);
}
rows.push(['V8 heap physical, all spaces', physical / open]);
rows.push(['V8 heapUsed', per(before.heapUsed, after.heapUsed)]);
rows.push(['external (ArrayBuffers)', per(before.external, after.external), per(before.arrayBuffers, after.arrayBuffers)]);
rows.push(['anonymous minus V8 heap physical', per(before.mappings.anon, after.mappings.anon) - physical / open]);

if (opt.survivors) {
  // V8's --trace-gc-nvp line of each scavenge (gc=s) between the snapshots.
  let scavenges = 0;
  let promoted = 0;
  let copied = 0;
  for (const line of gcTrace.split('\n')) {
    if (!/ gc=s /.test(line)) continue;
    scavenges++;
    promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
    copied += Number(/ new_space_survived=(\d+)/.exec(line)?.[1] ?? 0);
  }
  rows.push([`scavenges: ${scavenges}; survived (new_space_survived)`, copied / open]);
  rows.push(['scavenges: promoted', promoted / open]);
}
if (opt.allocations && !opt.json) {
  const { execFileSync } = await import('node:child_process');
  console.log(execFileSync(process.execPath, [here('allocations.mjs'), opt.allocations, String(open)], { encoding: 'utf8' }));
}
if (opt.heapSnapshots && !opt.json) {
  const { execFileSync } = await import('node:child_process');
  console.log(execFileSync(process.execPath, [here('census.mjs'), before.heapSnapshot, after.heapSnapshot, String(open)], { encoding: 'utf8' }));
}
if (opt.json) {
  console.log(JSON.stringify({ server: opt.server, open, gc: opt.gc, before, after }));
} else {
  console.log(`${server.label}: ${open} idle connections${opt.gc === 'minor' ? ' (two scavenges before each snapshot)' : opt.gc ? ' (full GC before each snapshot)' : ''}; bytes per connection`);
  for (const [name, v, used] of rows) {
    console.log(`${name.padEnd(52)} ${v.toFixed(0).padStart(7)}${used === undefined ? '' : `  (${used.toFixed(0)})`}`);
  }
}
