#!/usr/bin/env node
// @ts-check
// Runs the case catalogue against a server and writes reports.
//
//   node src/cli.mjs --testee uws-app-epoll            start a shipped testee and test it
//   node src/cli.mjs --url ws://127.0.0.1:9001 --agent my-server
//   node src/cli.mjs --testee uws-app-epoll-tls --tls    (or --url wss://…: TLS, not verified)
//   options: --cases "1.*,6.4.*"  --exclude "12.*"  --outdir reports  --concurrency 8
//            --heavy-concurrency 1  --deflate-level 6  --quiet  --tls
//
// Exit status: 0 when every selected case passes (OK, NON-STRICT, INFORMATIONAL) with close
// behaviour OK (or INFORMATIONAL), 1 otherwise (FAILED, UNIMPLEMENTED, a bad close, or a case
// without a result).
import { parseArgs } from 'node:util';
import { selectCases } from './catalogue.mjs';
import { writeReports } from './report.mjs';
import { runCases } from './runner.mjs';
import { startTestee } from './testees.mjs';
import { PASSING } from './verdicts.mjs';

const { values } = parseArgs({
  options: {
    testee: { type: 'string' },
    url: { type: 'string' },
    agent: { type: 'string' },
    cases: { type: 'string', default: '*' },
    exclude: { type: 'string', default: '' },
    outdir: { type: 'string', default: 'reports' },
    concurrency: { type: 'string', default: '8' },
    'heavy-concurrency': { type: 'string', default: '1' },
    'deflate-level': { type: 'string', default: '6' },
    quiet: { type: 'boolean', default: false },
    tls: { type: 'boolean', default: false },
  },
});

const list = (/** @type {string} */ s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const entries = selectCases(list(values.cases), list(values.exclude));
if (entries.length === 0) throw new Error('no case selected');

let host = '127.0.0.1';
let port;
let path = '/';
let tls = values.tls;
/** @type {(() => Promise<void>) | undefined} */
let stop;
if (values.testee) {
  const t = await startTestee(values.testee);
  port = t.port;
  stop = t.stop;
} else if (values.url) {
  const u = new URL(values.url);
  host = u.hostname;
  tls ||= u.protocol === 'wss:';
  port = Number(u.port || (tls ? 443 : 80));
  path = u.pathname + u.search;
} else throw new Error('give --testee <name> or --url ws://host:port');
const agent = values.agent ?? values.testee ?? 'server';

const started = Date.now();
const results = await runCases(entries, {
  host, port, path,
  concurrency: Number(values.concurrency),
  heavyConcurrency: Number(values['heavy-concurrency']),
  deflateLevel: Number(values['deflate-level']),
  tls,
  onResult: (r) => {
    if (!values.quiet) console.log(`${r.id.padEnd(9)} ${r.behavior.padEnd(14)} ${r.behaviorClose.padEnd(14)} ${r.duration} ms`);
  },
});
await stop?.();
await writeReports(values.outdir, agent, results);

const bad = results.filter((r) => !PASSING.has(r.behavior) || !['OK', 'INFORMATIONAL'].includes(r.behaviorClose));
const missing = entries.length - results.length;
console.log(`${agent}: ${results.length}/${entries.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s; ${bad.length} not passing, ${missing} missing; reports in ${values.outdir}`);
for (const r of bad) console.log(`  ${r.id}: ${r.behavior} / ${r.behaviorClose} — ${r.result} ${r.resultClose}`);
process.exit(bad.length > 0 || missing > 0 ? 1 : 0);
