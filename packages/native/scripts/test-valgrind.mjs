// Builds the addon with debug info into build-valgrind/ (the normal build stays untouched)
// and runs test suites (default: the TLS ones) with every Node process under valgrind
// memcheck. Memory errors and definite leaks fail the run; scripts/valgrind.supp silences
// Node/V8/OpenSSL internals only. Slow: minutes, not seconds (see the README).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInstrumentedAddon, packageFile, root } from './instrumented-build.mjs';

const addon = buildInstrumentedAddon('build-valgrind', 'valgrind');

const logs = mkdtempSync(join(tmpdir(), 'uws-valgrind-'));
const vitest = packageFile('vitest', 'vitest.mjs');
const files = process.argv.slice(2);
const started = Date.now();
const run = spawnSync(
  'valgrind',
  [
    '--tool=memcheck',
    // vitest's worker processes are Node too; esbuild (a Go binary) is not ours to check.
    '--trace-children=yes',
    '--trace-children-skip=*esbuild*',
    `--suppressions=${join(root, 'scripts', 'valgrind.supp')}`,
    '--leak-check=full',
    '--show-leak-kinds=definite',
    '--errors-for-leak-kinds=definite',
    '--num-callers=40',
    '--gen-suppressions=all',
    `--log-file=${join(logs, 'valgrind.%p.log')}`,
    process.execPath,
    vitest,
    'run',
    ...(files.length > 0 ? files : ['test/tls']),
    // Everything runs ~20-50x slower under valgrind.
    '--testTimeout=600000',
    '--hookTimeout=600000',
    // Worker threads, not forks: vitest kills a fork 500 ms after SIGTERM, before valgrind's
    // leak check of it is done; threads live in the main process, which exits on its own.
    '--pool=threads',
    '--maxWorkers=1',
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, UWS_NATIVE_ADDON: addon } },
);
if (run.error) throw run.error;

// Valgrind's own error count per process ("ERROR SUMMARY: n errors"), suppressed ones excluded.
// A log without that line means the process was killed before valgrind finished checking it.
let errors = 0;
let incomplete = 0;
for (const name of readdirSync(logs)) {
  const text = readFileSync(join(logs, name), 'utf8');
  const match = /ERROR SUMMARY: (\d+) errors/.exec(text);
  if (match === null) {
    incomplete++;
    console.error(`valgrind: no error summary (process killed?) in ${join(logs, name)}`);
    continue;
  }
  const count = Number(match[1]);
  if (count > 0) {
    errors += count;
    console.error(`valgrind: ${count} error(s) in ${join(logs, name)}`);
  }
}
const minutes = ((Date.now() - started) / 60000).toFixed(1);
const processes = readdirSync(logs).length;
console.log(
  `valgrind: ${errors} error(s), ${incomplete} incomplete, over ${processes} process(es) in ${minutes} min; logs in ${logs}`,
);
const failed = run.status !== 0 || errors > 0 || incomplete > 0;
if (!failed) rmSync(logs, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
