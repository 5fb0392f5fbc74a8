// Merging what runs found into the committed corpus, keeping it small: the named seeds stay;
// then, greedily, the input (of found/ and earlier merges) that reaches the most blocks nothing
// kept reaches, the shortest on a tie, until none adds a block (blocks, not hit-count buckets:
// the buckets would keep hundreds of inputs per target). Kept ones become corpus/<target>/found-<hash>;
// earlier found-* files no longer needed are removed.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nameOf, readInputs } from './corpus.mjs';
import { execute } from './fuzz-loop.mjs';

export function merge({ target, coverage, fuzzDir, log }) {
  const dir = join(fuzzDir, 'corpus', target.name);
  const committed = readInputs(dir);
  const named = committed.filter((i) => !i.name.startsWith('found-'));
  const candidates = [...committed.filter((i) => i.name.startsWith('found-')), ...readInputs(join(fuzzDir, 'found', target.name))].sort(
    (a, b) => a.bytes.length - b.bytes.length,
  );
  const seen = new Set();
  const run = (bytes) => {
    coverage.take();
    const error = execute(target, bytes);
    if (error !== undefined) throw new Error(`fuzz merge ${target.name}: an input fails (${error.message}); replay it first`);
    return coverage.take().map((f) => f >> 4);
  };
  for (const { bytes } of named) for (const f of run(bytes)) seen.add(f);
  const reached = candidates.map(({ bytes }) => ({ bytes, blocks: new Set(run(bytes)) }));
  const kept = new Map();
  for (;;) {
    let best;
    let bestNew = 0;
    for (const c of reached) {
      let n = 0;
      for (const b of c.blocks) if (!seen.has(b)) n++;
      if (n > bestNew) [best, bestNew] = [c, n];
    }
    if (best === undefined) break;
    for (const b of best.blocks) seen.add(b);
    kept.set(`found-${nameOf(best.bytes)}`, best.bytes);
  }
  for (const { name } of committed) if (name.startsWith('found-') && !kept.has(name)) rmSync(join(dir, name));
  for (const [name, bytes] of kept) writeFileSync(join(dir, name), bytes);
  const bytes = [...named.map((i) => i.bytes), ...kept.values()].reduce((n, b) => n + b.length, 0);
  log(`fuzz merge ${target.name}: ${named.length} seeds + ${kept.size} found kept of ${candidates.length} (${bytes} bytes)`);
}
