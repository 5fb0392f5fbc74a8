// Coverage-guided fuzzing of the codec's public API (see README.md). Runs each target for a
// bounded time from its committed seeds (corpus/<target>/) and what earlier runs found
// (found/<target>/, not committed); exits 1 if any input broke an oracle or threw, after
// writing it to artifacts/.
//
//   node fuzz/run.mjs [seconds per target, default 20] [--target a,b] [--batch n] [--seed n]
//   node fuzz/run.mjs --replay <file> [--target name]   rerun one input, print the failure
//   node fuzz/run.mjs --merge [--target a,b]            add what found/ reaches beyond the seeds to corpus/
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadavg, uptime } from 'node:os';
import { Coverage } from './lib/coverage.mjs';
import { codecUrl, ensureBuilt, loadCodec, packageDir } from './lib/codec.mjs';
import { readInputs } from './lib/corpus.mjs';
import { execute, fuzzTarget } from './lib/fuzz-loop.mjs';
import { merge } from './lib/merge.mjs';
import { makeTargets } from './targets/index.mjs';

const fuzzDir = join(packageDir, 'fuzz');

function parseArgs(argv) {
  // pnpm passes its own `--` through: skip it.
  const args = argv.filter((a) => a !== '--');
  const o = { seconds: 20, batch: 32, seed: Date.now() >>> 0, maxLength: 4096, targets: undefined, replay: undefined, merge: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--target') o.targets = args[++i].split(',');
    else if (a === '--batch') o.batch = Number(args[++i]);
    else if (a === '--seed') o.seed = Number(args[++i]) >>> 0;
    else if (a === '--max-len') o.maxLength = Number(args[++i]);
    else if (a === '--replay') o.replay = args[++i];
    else if (a === '--merge') o.merge = true;
    else if (/^\d+(\.\d+)?$/.test(a)) o.seconds = Number(a);
    else throw new Error(`fuzz: unknown argument ${a}`);
  }
  if (!(o.seconds > 0) || !(o.batch >= 1)) throw new RangeError('fuzz: seconds and --batch must be > 0');
  return o;
}

const options = parseArgs(process.argv.slice(2));
ensureBuilt();
// Coverage first, so that V8 reports the codec's blocks from its first run.
const coverage = new Coverage(codecUrl);
const codec = await loadCodec();
coverage.reset();
let targets = makeTargets(codec);

if (options.replay !== undefined) {
  const file = options.replay;
  const name = options.targets?.[0] ?? targets.map((t) => t.name).find((n) => basename(file).startsWith(`${n}-`));
  const target = targets.find((t) => t.name === name);
  if (target === undefined) throw new Error(`fuzz: say which target ${file} is for (--target name)`);
  const error = execute(target, new Uint8Array(readFileSync(file)));
  console.log(error === undefined ? `${target.name}: ${file} passes` : `${target.name}: ${file} fails:\n${error.stack}`);
  process.exit(error === undefined ? 0 : 1);
}

// Every target's seeds once, so that the blocks they reach are known before the first target
// counts its coverage: each target's "of N known" is then against the same set, whichever run.
for (const target of targets) for (const { bytes } of readInputs(join(fuzzDir, 'corpus', target.name))) execute(target, bytes);
coverage.take();

if (options.targets !== undefined) {
  const unknown = options.targets.filter((n) => !targets.some((t) => t.name === n));
  if (unknown.length > 0) throw new Error(`fuzz: unknown target ${unknown.join(', ')}`);
  targets = targets.filter((t) => options.targets.includes(t.name));
}

if (options.merge) {
  for (const target of targets) merge({ target, coverage, fuzzDir, log: console.log });
  process.exit(0);
}

console.log(`fuzz: ${targets.length} targets, ${options.seconds} s each, batch ${options.batch}, seed ${options.seed}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')} (up ${Math.round(uptime() / 60)} min)`);
let crashes = 0;
for (const target of targets) {
  const seeds = [...readInputs(join(fuzzDir, 'corpus', target.name)), ...readInputs(join(fuzzDir, 'found', target.name))].map((i) => i.bytes);
  const r = await fuzzTarget({
    target,
    seeds,
    coverage,
    seconds: options.seconds,
    batch: options.batch,
    seed: options.seed,
    maxLength: options.maxLength,
    foundDir: join(fuzzDir, 'found', target.name),
    artifactsDir: join(fuzzDir, 'artifacts'),
    log: console.log,
  });
  const { covered, known, calledFunctions, functions } = coverage.stats();
  console.log(
    `fuzz ${r.name}: ${r.execs} execs in ${r.elapsed.toFixed(1)} s (${Math.round(r.rate)}/s), corpus ${r.corpus} (${r.seeds} loaded + ${r.corpus - r.seeds} new), ` +
      `blocks ${covered} of ${known} known (functions ${calledFunctions} of ${functions}), crashes ${r.crash === undefined ? 0 : 1}`,
  );
  if (r.crash !== undefined) {
    crashes++;
    console.error(`fuzz ${r.name}: CRASH, input kept in ${r.crash.path}\n${r.crash.error?.stack ?? r.crash.error}`);
  }
}
process.exit(crashes > 0 ? 1 : 0);
