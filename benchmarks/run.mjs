#!/usr/bin/env node
// The benchmark harness: every scenario against every server, alternating the server order
// each round, servers pinned to one CPU and the C load generator to the other.
//
//   node run.mjs [--quick] [--only <text>]... [--servers a,b] [--baseline ws] [--rounds n]
//                [--seconds s] [--out file] [--no-pin]
//
// Writes results/<date>.json (or --out), prints the table; exits 1 when any run failed
// (server did not start, loadgen reported connect/handshake/protocol/verify errors).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeDeflateInput } from './harness/deflate-input.mjs';
import { environment, loadavg } from './harness/environment.mjs';
import { measureOnce } from './harness/measure.mjs';
import { SCENARIOS, TIMING } from './harness/scenarios.mjs';
import { SERVERS, UNAVAILABLE } from './harness/servers.mjs';
import { summarize } from './harness/summary.mjs';
import { markdownTable } from './report.mjs';

const argv = process.argv.slice(2);
const opt = { quick: false, only: [], servers: Object.keys(SERVERS), baseline: 'ws', pin: true };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--quick') opt.quick = true;
  else if (a === '--only') opt.only.push(argv[++i]);
  else if (a === '--servers') opt.servers = argv[++i].split(',');
  else if (a === '--baseline') opt.baseline = argv[++i];
  else if (a === '--rounds') opt.rounds = Number(argv[++i]);
  else if (a === '--seconds') opt.seconds = Number(argv[++i]);
  else if (a === '--out') opt.out = argv[++i];
  else if (a === '--no-pin') opt.pin = false;
  else {
    console.error(`unknown option ${a}`);
    process.exit(2);
  }
}
for (const s of opt.servers) {
  if (SERVERS[s]) continue;
  console.error(UNAVAILABLE[s] ? `server ${s} is not available: ${UNAVAILABLE[s]}` : `unknown server ${s}`);
  process.exit(2);
}
for (const [s, why] of Object.entries(UNAVAILABLE)) console.error(`(not measured: ${s} — ${why})`);

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
// Build the load generator and the C limit server (a second or two; nothing beyond cc, make, libc).
execFileSync('make', ['-s', '-C', here('loadgen')], { stdio: 'inherit' });
const loadgen = here('loadgen/bin/loadgen');
const loadgenTls = here('loadgen/bin/loadgen-tls');
// The TLS load generator links the system's OpenSSL (a standalone binary cannot use the one
// inside node); without its headers it is not built, and the TLS scenarios are skipped.
const skippedScenarios = {};
if (!existsSync(loadgenTls)) {
  for (const s of SCENARIOS.filter((x) => x.tls)) skippedScenarios[s.id] = 'the TLS load generator was not built (no OpenSSL headers on this machine)';
  console.error('(not measured: the TLS scenarios — the TLS load generator needs OpenSSL headers, e.g. libssl-dev)');
}

const timing = { ...(opt.quick ? TIMING.quick : TIMING.full) };
if (opt.seconds) timing.duration = opt.seconds;
const rounds = opt.rounds ?? timing.rounds;
const cpus = opt.pin ? { server: 0, loadgen: 1 } : {};
const scenarios = SCENARIOS.filter(
  (s) => !skippedScenarios[s.id] && (!opt.quick || !s.fullOnly) && (opt.only.length === 0 || opt.only.some((o) => s.id.includes(o) || s.name.includes(o))),
);
const deflateFile = scenarios.some((s) => s.mode === 'deflate') ? writeDeflateInput() : undefined;

const started = new Date();
const results = {
  date: started.toISOString(),
  command: `node run.mjs ${argv.join(' ')}`.trim(),
  environment: environment(),
  options: { quick: opt.quick, rounds, timing, baseline: opt.baseline, pinned: cpus },
  servers: Object.fromEntries(opt.servers.map((s) => [s, SERVERS[s].label])),
  unavailable: UNAVAILABLE,
  skippedScenarios,
  scenarios: [],
};
let failures = 0;
for (const scenario of scenarios) {
  const ids = opt.servers.filter(
    (s) => SERVERS[s].kinds.includes(scenario.kind) && (!opt.quick || !SERVERS[s].quickScenarios || SERVERS[s].quickScenarios.includes(scenario.id)),
  );
  // No selected server takes this scenario: nothing to record (an empty entry would hide the
  // scenario's earlier results in the report).
  if (ids.length === 0) continue;
  const runs = [];
  for (let r = 0; r < rounds; r++) {
    const order = ids.map((_, i) => ids[(i + r) % ids.length]); // A B C, B C A, C A B, ...
    for (const serverId of order) {
      const extra = scenario.mode === 'deflate' ? { 'deflate-file': deflateFile } : {};
      const bin = scenario.tls ? loadgenTls : loadgen;
      const rec = await measureOnce({ scenario, serverId, server: SERVERS[serverId], loadgen: bin, cpus, timing, quick: opt.quick, extra });
      rec.round = r;
      runs.push(rec);
      const v = rec.ok ? `${rec.value.toFixed(1)} ${scenario.unit}` : `FAILED: ${rec.error}`;
      console.error(`[${scenario.id}] round ${r + 1}/${rounds} ${serverId}: ${v} (server CPU ${rec.serverCpuPct?.toFixed(0)}%, loadgen CPU ${rec.loadgenCpuPct?.toFixed(0)}%)`);
      if (!rec.ok) failures++;
    }
  }
  const { id, name, kind, metric, unit, lowerIsBetter = false } = scenario;
  const entry = { id, name, kind, metric, unit, lowerIsBetter, args: { ...scenario.args, ...(opt.quick ? scenario.quickArgs : {}) }, runs };
  entry.summary = summarize(entry, opt.baseline);
  results.scenarios.push(entry);
}
if (deflateFile) rmSync(deflateFile, { force: true });
results.seconds = (Date.now() - started.getTime()) / 1000;
results.environment.loadavgAtEnd = loadavg();
results.failures = failures;

const out = opt.out ?? here(`results/${started.toISOString().replace(/[:]/g, '-').replace(/\..+/, '')}${opt.quick ? '-quick' : ''}.json`);
mkdirSync(here('results'), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 1)}\n`);
console.log(markdownTable(results));
console.error(`results: ${out}${failures ? ` — ${failures} run(s) FAILED` : ''}`);
process.exit(failures ? 1 : 0);
