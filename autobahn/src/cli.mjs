#!/usr/bin/env node
// @ts-check
// Runs the case catalogue and writes reports.
//
// Fuzzing-client mode (the default; tests servers):
//   node src/cli.mjs --testee uws-app-epoll            start a shipped server testee and test it
//   node src/cli.mjs --url ws://127.0.0.1:9001 --agent my-server
//   node src/cli.mjs --testee uws-app-epoll-tls --tls    (or --url wss://…: TLS, not verified)
// Fuzzing-server mode (tests clients; the suite's `wstest -m fuzzingserver`):
//   node src/cli.mjs --mode fuzzingserver --testee uws-client-epoll   run a shipped client testee
//   node src/cli.mjs --mode fuzzingserver --port 9001  serve any client until stopped; reports
//                                                      are written at each /updateReports
// options: --cases "1.*,6.4.*"  --exclude "12.*"  --outdir reports (reports/clients in
//          fuzzingserver mode)  --concurrency 8  --compression-concurrency 4  --heavy-concurrency 1
//          --deflate-level 6  --quiet
//          --tls (fuzzing-client mode only)
//
// Exit status (runs of one testee): 0 when every selected case passes (OK, NON-STRICT,
// INFORMATIONAL) with close behaviour OK (or INFORMATIONAL), 1 otherwise (FAILED,
// UNIMPLEMENTED, a bad close, or a case without a result).
import { parseArgs } from 'node:util';
import { selectCases } from './catalogue.mjs';
import { FuzzingServer } from './fuzzing-server.mjs';
import { writeReports } from './report.mjs';
import { runCases } from './runner.mjs';
import { runClientCases } from './server-runner.mjs';
import { CLIENT_TESTEES, startTestee } from './testees.mjs';
import { PASSING } from './verdicts.mjs';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'fuzzingclient' },
    testee: { type: 'string' },
    url: { type: 'string' },
    port: { type: 'string' },
    agent: { type: 'string' },
    cases: { type: 'string', default: '*' },
    exclude: { type: 'string', default: '' },
    outdir: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    'compression-concurrency': { type: 'string', default: '4' },
    'heavy-concurrency': { type: 'string', default: '1' },
    'deflate-level': { type: 'string', default: '6' },
    quiet: { type: 'boolean', default: false },
    tls: { type: 'boolean', default: false },
  },
});

const list = (/** @type {string} */ s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const entries = selectCases(list(values.cases), list(values.exclude));
if (entries.length === 0) throw new Error('no case selected');
if (values.mode !== 'fuzzingclient' && values.mode !== 'fuzzingserver') throw new Error('--mode is fuzzingclient or fuzzingserver');
const serverMode = values.mode === 'fuzzingserver';
// The fuzzing server and the client testees speak ws:// only; --tls would be silently ignored.
if (serverMode && values.tls) throw new Error('--tls is for fuzzing-client mode (testing servers)');
const outdir = values.outdir ?? (serverMode ? 'reports/clients' : 'reports');
const deflateLevel = Number(values['deflate-level']);
/** @param {import('./runner.mjs').CaseResult} r */
const printResult = (r) => {
  if (!values.quiet) console.log(`${r.id.padEnd(9)} ${r.behavior.padEnd(14)} ${r.behaviorClose.padEnd(14)} ${r.duration} ms`);
};

if (serverMode && !values.testee) {
  // Serve external clients until stopped.
  const server = new FuzzingServer(entries, { deflateLevel });
  server.on('result', (agent, r) => printResult(r));
  server.on('reports', async (agent) => {
    await writeReports(outdir, agent, server.resultsOf(agent));
    console.log(`${agent}: reports in ${outdir}`);
  });
  const port = await server.listen(Number(values.port ?? 9001), '127.0.0.1');
  console.log(`fuzzing server on ws://127.0.0.1:${port}: ${entries.length} cases (/getCaseCount, /runCase?case=N&agent=NAME, /updateReports?agent=NAME)`);
  await new Promise(() => {});
}

/** @type {import('./runner.mjs').CaseResult[]} */
let results;
let agent;
const started = Date.now();
if (serverMode) {
  const testee = /** @type {string} */ (values.testee);
  if (!(testee in CLIENT_TESTEES)) throw new Error(`unknown client testee ${testee}; known: ${Object.keys(CLIENT_TESTEES).join(', ')}`);
  agent = values.agent ?? testee;
  results = await runClientCases(entries, {
    testee, agent,
    concurrency: Number(values.concurrency),
    compressionConcurrency: Number(values['compression-concurrency']),
    heavyConcurrency: Number(values['heavy-concurrency']),
    deflateLevel,
    onResult: printResult,
  });
} else {
  ({ results, agent } = await runServerTestee());
}
await writeReports(outdir, agent, results);

const bad = results.filter((r) => !PASSING.has(r.behavior) || !['OK', 'INFORMATIONAL'].includes(r.behaviorClose));
const missing = entries.length - results.length;
console.log(`${agent}: ${results.length}/${entries.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s; ${bad.length} not passing, ${missing} missing; reports in ${outdir}`);
for (const r of bad) console.log(`  ${r.id}: ${r.behavior} / ${r.behaviorClose} — ${r.result} ${r.resultClose}`);
process.exit(bad.length > 0 || missing > 0 ? 1 : 0);

/** Fuzzing-client mode: a shipped server testee or a server at --url. */
async function runServerTestee() {
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
  const results = await runCases(entries, {
    host, port, path,
    concurrency: Number(values.concurrency),
    compressionConcurrency: Number(values['compression-concurrency']),
    heavyConcurrency: Number(values['heavy-concurrency']),
    deflateLevel,
    tls,
    onResult: printResult,
  });
  await stop?.();
  return { results, agent };
}
