// Builds the libFuzzer harnesses under fuzz/ with clang (AddressSanitizer and UBSan on) into
// build-fuzz/, and runs each for a bounded time from its committed seed corpus. Exits non-zero
// on any crash, leak, sanitizer report or timeout; the failing input is kept in
// build-fuzz/artifacts/. New inputs found go to build-fuzz/corpus/<harness>/ (not committed).
//
//   node scripts/fuzz.mjs [seconds per harness, default 30]
//
// Needs clang with libFuzzer and OpenSSL's headers (Debian: clang libclang-rt-14-dev libssl-dev).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './instrumented-build.mjs';

/** Each harness and the sources of ours it links. */
const HARNESSES = [
  { name: 'tls-record-layer', sources: ['src/cpp/tls-record-layer.cc', 'src/cpp/tls13-key-schedule.cc'] },
  { name: 'tls-server-name', sources: ['src/cpp/tls-server-name.cc'] },
];

// pnpm passes its own `--` through: skip it.
const args = process.argv.slice(2).filter((arg) => arg !== '--');
const seconds = Number(args[0] ?? 30);
if (!(seconds > 0)) throw new RangeError(`seconds must be a number > 0, got ${args[0]}`);
const clang = process.env.CXX_FUZZ ?? 'clang++';
try {
  execFileSync(clang, ['--version'], { stdio: 'ignore' });
} catch {
  console.error(`fuzz: ${clang} not found; install clang with libFuzzer (Debian: apt-get install clang libclang-rt-14-dev libssl-dev)`);
  process.exit(1);
}

const out = join(root, 'build-fuzz');
mkdirSync(join(out, 'artifacts'), { recursive: true });
let failed = false;
for (const { name, sources } of HARNESSES) {
  const binary = join(out, name);
  execFileSync(
    clang,
    ['-std=c++17', '-g', '-O1', '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=undefined', '-Isrc/cpp', `fuzz/${name}.fuzz.cc`, ...sources, '-lcrypto', '-o', binary],
    { cwd: root, stdio: 'inherit' },
  );
  const found = join(out, 'corpus', name);
  mkdirSync(found, { recursive: true });
  // New inputs go to the first directory; the committed seeds are only read.
  const run = spawnSync(
    binary,
    [found, join(root, 'fuzz', 'corpus', name), `-max_total_time=${seconds}`, '-max_len=4096', '-timeout=10', '-rss_limit_mb=2048', `-artifact_prefix=${join(out, 'artifacts')}/${name}-`, '-print_final_stats=1'],
    { cwd: root, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1' } },
  );
  const stats = run.stderr.split('\n').filter((line) => /^(#\d+\s+DONE|stat::number_of_executed_units|stat::peak_rss_mb|==\d+==ERROR|SUMMARY)/.test(line));
  console.log(`fuzz ${name}: exit ${run.status}\n  ${stats.join('\n  ')}`);
  if (run.status !== 0) {
    failed = true;
    console.error(run.stderr.split('\n').slice(-60).join('\n'));
  }
}
process.exit(failed ? 1 : 0);
