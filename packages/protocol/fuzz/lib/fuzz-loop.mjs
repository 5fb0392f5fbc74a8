// The coverage-guided loop for one target. Taking V8's coverage costs about half a millisecond
// (an inspector round trip), far more than one input of most targets, so coverage is taken once
// per batch of inputs: only a batch that reached something new is run again input by input
// (with a take after each) to find which inputs to keep. Targets are deterministic, so the
// re-run sees what the batch run saw.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Corpus, nameOf } from './corpus.mjs';
import { Mutator } from './mutator.mjs';
import { Rng } from './rng.mjs';
import { hexOf } from './check.mjs';

function yieldToEventLoop() {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `target.run` on `bytes`; returns the error it threw (an oracle failure or an unexpected
 * exception out of the codec), or undefined.
 */
export function execute(target, bytes) {
  try {
    target.run(bytes);
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Writes a crashing input and its error to `dir`; returns the input's path. */
export function saveCrash(dir, target, bytes, error) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${target.name}-crash-${nameOf(bytes)}`);
  writeFileSync(path, bytes);
  writeFileSync(`${path}.txt`, `${error?.stack ?? String(error)}\ninput: ${hexOf(bytes, 4096)}\n`);
  return path;
}

/**
 * Fuzzes `target` for `seconds` from `seeds`. Returns the run's numbers; stops at the first crash.
 * @param {object} o `target`, `seeds` (Uint8Array[]), `coverage`, `seconds`, `batch`, `seed`,
 * `maxLength`, `foundDir` (new inputs are written there), `artifactsDir`, `log`.
 */
export async function fuzzTarget(o) {
  const { target, coverage, seconds, batch, maxLength } = o;
  const rng = new Rng(o.seed);
  const mutator = new Mutator(target, maxLength);
  const corpus = new Corpus(o.foundDir);
  const batchSeen = new Set();
  const started = performance.now();
  let execs = 0;
  let batches = 0;
  let rerunBatches = 0;
  let crash;

  const fail = (bytes, error) => {
    crash = { path: saveCrash(o.artifactsDir, target, bytes, error), error };
  };

  // Seeds first, one at a time; every seed is kept (they are few and chosen by hand).
  coverage.take();
  coverage.resetCovered();
  for (const bytes of o.seeds) {
    const error = execute(target, bytes);
    execs++;
    if (error !== undefined) {
      fail(bytes, error);
      break;
    }
    corpus.add(bytes, coverage.take(), false);
  }
  if (corpus.size === 0 && crash === undefined) corpus.add(new Uint8Array(target.configBytes ?? 0), coverage.take(), false);
  const seeds = corpus.size;

  const deadline = started + seconds * 1000;
  let nextLog = started + 10_000;
  const children = [];
  while (crash === undefined && performance.now() < deadline) {
    // Let the event loop turn: a closed zlib stream is released by a nextTick callback, which a
    // loop that never yields would keep queued (with its buffers) for the whole run.
    await yieldToEventLoop();
    children.length = 0;
    for (let i = 0; i < batch; i++) {
      const child = mutator.mutate(rng, corpus.pick(rng), corpus.pick(rng));
      children.push(child);
      const error = execute(target, child);
      execs++;
      if (error !== undefined) {
        fail(child, error);
        break;
      }
    }
    if (crash !== undefined) break;
    let fresh = false;
    for (const f of coverage.take()) {
      if (!batchSeen.has(f)) {
        batchSeen.add(f);
        fresh = true;
      }
    }
    batches++;
    if (fresh) {
      rerunBatches++;
      for (const child of children) {
        execute(target, child);
        const features = coverage.take();
        if (corpus.newFeatures(features) > 0) corpus.add(child, features, true);
      }
    }
    const now = performance.now();
    if (now >= nextLog) {
      nextLog = now + 10_000;
      const { covered, known } = coverage.stats();
      const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
      o.log(`  ${target.name}: ${execs} execs, ${Math.round(execs / ((now - started) / 1000))}/s, corpus ${corpus.size}, blocks ${covered}/${known}, batches re-run ${rerunBatches}/${batches}, rss ${rss} MiB`);
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  return { name: target.name, execs, elapsed, rate: execs / elapsed, corpus: corpus.size, seeds, crash, batches, rerunBatches };
}
