// @ts-check
// How a run is cut into phases, each a pool of concurrent cases (one connection each):
//
//   light        sections 1–7, 10: short cases, many at once;
//   compression  12.x/13.x: long CPU-bound cases whose only timeout (60–480 s per case) is far
//                beyond their duration, so the pool's width changes durations, not verdicts;
//                grouped by the messages they send, so those are compressed once;
//   exclusive    9.x: megabytes per message against 10 s limits and 1 s close windows, few at once.
//
// Used by both roles (runner.mjs, server-runner.mjs).

/**
 * @typedef {object} PhaseWidths
 * @property {number} [concurrency]             light cases at once (default 8)
 * @property {number} [compressionConcurrency]  compression cases at once (default 4)
 * @property {number} [heavyConcurrency]        exclusive cases at once (default 1)
 */

/**
 * @param {import('./case-builders.mjs').CaseEntry[]} entries
 * @param {PhaseWidths} o
 * @returns {[import('./case-builders.mjs').CaseEntry[], number][]}  phases with their widths; empty ones left out
 */
export function casePhases(entries, o) {
  const light = entries.filter((e) => !e.exclusive && e.messageSet === undefined);
  const exclusive = entries.filter((e) => e.exclusive);
  // Stable: catalogue order inside a group, groups in the order they first appear.
  const sets = [...new Set(entries.flatMap((e) => (e.messageSet === undefined ? [] : [e.messageSet])))];
  const compression = sets.flatMap((s) => entries.filter((e) => e.messageSet === s));
  /** @type {[import('./case-builders.mjs').CaseEntry[], number][]} */
  const phases = [
    [light, o.concurrency ?? 8],
    [compression, o.compressionConcurrency ?? 4],
    [exclusive, o.heavyConcurrency ?? 1],
  ];
  return phases.filter(([p]) => p.length > 0);
}
