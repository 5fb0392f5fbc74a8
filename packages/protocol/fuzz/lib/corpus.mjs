// The inputs of one target: the committed seeds, what earlier runs found (kept out of git), and
// what this run adds. An input is kept when it reached a coverage feature no earlier one did.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A content name for an input: the first 16 hex digits of its SHA-1. */
export function nameOf(bytes) {
  return createHash('sha1').update(bytes).digest('hex').slice(0, 16);
}

/** The files of a directory as inputs, in name order; none when it does not exist. */
export function readInputs(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, name))) }));
}

export class Corpus {
  /** @param {string | undefined} saveDir where new inputs are written (undefined: kept in memory only). */
  constructor(saveDir) {
    this.saveDir = saveDir;
    /** @type {Uint8Array[]} */
    this.entries = [];
    this.seen = new Set();
    if (saveDir !== undefined) mkdirSync(saveDir, { recursive: true });
  }

  get size() {
    return this.entries.length;
  }

  /** Features `features` has that no kept input had. */
  newFeatures(features) {
    let fresh = 0;
    for (const f of features) if (!this.seen.has(f)) fresh++;
    return fresh;
  }

  /** Keeps `bytes` for its `features`; `save` also writes it to the save directory. */
  add(bytes, features, save) {
    for (const f of features) this.seen.add(f);
    this.entries.push(bytes);
    if (save && this.saveDir !== undefined) writeFileSync(join(this.saveDir, nameOf(bytes)), bytes);
  }

  /** A random entry; recent ones (usually the frontier of what was reached) twice as likely. */
  pick(rng) {
    const n = this.entries.length;
    if (rng.oneIn(2)) return this.entries[n - 1 - rng.below(Math.min(n, 16))];
    return this.entries[rng.below(n)];
  }
}
