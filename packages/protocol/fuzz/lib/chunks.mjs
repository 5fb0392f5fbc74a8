// Read sizes: how a transport might cut the same bytes into reads. Targets take a chunk seed
// from their input, so "re-chunking" is a mutation of that seed and a crash replays exactly.
import { Rng } from './rng.mjs';

/**
 * Cut offsets (ascending, the last is `length`) for a chunk seed 0–255. Seed 0 is one byte per
 * read; small seeds give tiny reads (header bytes split everywhere), larger ones mixed sizes up
 * to a few KiB.
 */
export function chunkCuts(seed, length) {
  const cuts = [];
  if (seed === 0) {
    for (let i = 1; i <= length; i++) cuts.push(i);
    return cuts;
  }
  const limit = seed < 8 ? seed + 1 : seed < 16 ? 16 : seed < 24 ? 128 : 2048;
  const rng = new Rng(seed * 0x9e3779b1);
  let at = 0;
  while (at < length) {
    at = Math.min(length, at + 1 + rng.below(limit));
    cuts.push(at);
  }
  return cuts;
}

/** `bytes` cut at `cuts`, each piece a fresh copy (as a socket hands reads over, and receive() unmasks in place). */
export function pieces(bytes, cuts) {
  const out = [];
  let from = 0;
  for (const cut of cuts) {
    out.push(new Uint8Array(bytes.subarray(from, cut)));
    from = cut;
  }
  return out;
}
