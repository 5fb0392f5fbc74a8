#!/usr/bin/env node
// @ts-check
// Compares two reports/index.json files case by case (e.g. the official suite's against ours)
// and lists every case whose behavior or behaviorClose differs, or that only one side has.
//
//   node scripts/compare-reports.mjs <a/index.json> <b/index.json> [agentA] [agentB]
import { readFileSync } from 'node:fs';
import { compareCaseIds } from '../src/catalogue.mjs';

const [fileA, fileB, agentA, agentB] = process.argv.slice(2);
if (!fileA || !fileB) throw new Error('usage: compare-reports.mjs <a/index.json> <b/index.json> [agentA] [agentB]');
const load = (/** @type {string} */ f, /** @type {string | undefined} */ agent) => {
  const index = JSON.parse(readFileSync(f, 'utf8'));
  return index[agent ?? Object.keys(index)[0]];
};
const a = load(fileA, agentA);
const b = load(fileB, agentB);
const ids = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareCaseIds);
let differ = 0;
for (const id of ids) {
  const x = a[id];
  const y = b[id];
  if (!x || !y || x.behavior !== y.behavior || x.behaviorClose !== y.behaviorClose) {
    differ++;
    const show = (/** @type {any} */ c) => (c ? `${c.behavior}/${c.behaviorClose}` : 'missing');
    console.log(`${id.padEnd(9)} ${show(x).padEnd(32)} ${show(y)}`);
  }
}
console.log(`${ids.length} cases, ${differ} differ`);
process.exit(differ > 0 ? 1 : 0);
