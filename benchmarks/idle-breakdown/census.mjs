#!/usr/bin/env node
// Which JS objects a set of connections keeps: reads two V8 heap snapshots (taken by probe.mjs
// with PROBE_HEAP_SNAPSHOTS, before and while holding N connections), groups the nodes by type
// and name (constructor, or the string/array/code kind), and prints what grew, per connection.
//
//   node idle-breakdown/census.mjs <before.heapsnapshot> <after.heapsnapshot> <connections> [rows]
import { readFileSync } from 'node:fs';

function census(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const fields = meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = meta.node_types[typeAt];
  const groups = new Map();
  const nodes = snap.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    // Strings and numbers are named by their content: group them by kind only.
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number' ? '' : snap.strings[nodes[i + nameAt]];
    const key = `${type} ${name}`.slice(0, 90);
    const g = groups.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += nodes[i + sizeAt];
    groups.set(key, g);
  }
  return groups;
}

const [beforeFile, afterFile, connections, rowsArg] = process.argv.slice(2);
const n = Number(connections);
if (!beforeFile || !afterFile || !(n > 0)) {
  console.error('usage: census.mjs <before.heapsnapshot> <after.heapsnapshot> <connections> [rows]');
  process.exit(2);
}
const before = census(beforeFile);
const after = census(afterFile);
const rows = [];
let total = 0;
for (const [key, a] of after) {
  const b = before.get(key) ?? { count: 0, bytes: 0 };
  const bytes = a.bytes - b.bytes;
  total += bytes;
  rows.push({ key, count: (a.count - b.count) / n, bytes: bytes / n });
}
rows.sort((x, y) => y.bytes - x.bytes);
console.log(`${'objects per connection'.padEnd(92)} count   bytes`);
for (const r of rows.slice(0, Number(rowsArg ?? 25))) {
  console.log(`${r.key.padEnd(92)} ${r.count.toFixed(2).padStart(6)} ${r.bytes.toFixed(1).padStart(7)}`);
}
console.log(`${'total self size'.padEnd(92)} ${''.padStart(6)} ${(total / n).toFixed(1).padStart(7)}`);
