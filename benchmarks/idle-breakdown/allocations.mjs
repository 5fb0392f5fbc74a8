#!/usr/bin/env node
// Who allocates per connection: reads a sampling heap profile written by probe.mjs
// (PROBE_ALLOCATIONS; garbage included) and prints the bytes each function allocated itself,
// divided by the number of connections, largest first.
//
//   node idle-breakdown/allocations.mjs <profile.json> <connections> [rows]
import { readFileSync } from 'node:fs';

const [file, connections, rowsArg] = process.argv.slice(2);
const n = Number(connections);
if (!file || !(n > 0)) {
  console.error('usage: allocations.mjs <profile.json> <connections> [rows]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byFunction = new Map();
let total = 0;
(function walk(node) {
  const f = node.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
  total += node.selfSize;
  for (const child of node.children) walk(child);
})(profile.head);
const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(rowsArg ?? 30));
console.log(`${'allocated per connection (sampled, garbage included)'.padEnd(80)}   bytes`);
for (const [key, bytes] of rows) console.log(`${key.slice(0, 80).padEnd(80)} ${(bytes / n).toFixed(1).padStart(7)}`);
console.log(`${'total'.padEnd(80)} ${(total / n).toFixed(1).padStart(7)}`);
