// @ts-check
// Compressed messages the fuzzer may reuse. With no context takeover on its own side (the
// agreement says client_no_context_takeover, which every shipped server testee answers), the
// fuzzer's deflate output for a message depends only on the message, the window and the level:
// the same bytes whichever case sends it. The compression cases send the same messages many
// times over (13.1–13.7 repeat 12.1's, and x.y.10 and x.y.15–18 share theirs), so each is
// compressed once per run instead of up to 40 times. What the testee receives is unchanged.
//
// Bounded: least recently used entries go once the bytes held pass the budget.

/** Bytes of compressed output held at most. */
export const CACHE_BUDGET = 128 * 1024 * 1024;

/** @type {Map<string, Uint8Array>} insertion order is use order (a hit moves to the end) */
const entries = new Map();
let held = 0;
let hits = 0;
let misses = 0;

/**
 * The cached compression of the message `key` names, or `compress()` stored under it.
 * @param {string} key  names the message and every parameter the output depends on
 * @param {() => Uint8Array} compress
 * @returns {Uint8Array}
 */
export function cachedCompression(key, compress) {
  const hit = entries.get(key);
  if (hit !== undefined) {
    hits++;
    entries.delete(key);
    entries.set(key, hit);
    return hit;
  }
  misses++;
  const out = compress();
  entries.set(key, out);
  held += out.byteLength;
  for (const [k, v] of entries) {
    if (held <= CACHE_BUDGET) break;
    entries.delete(k);
    held -= v.byteLength;
  }
  return out;
}

/** Counters, for tests and profiling. */
export function cacheStats() {
  return { hits, misses, entries: entries.size, bytes: held };
}
