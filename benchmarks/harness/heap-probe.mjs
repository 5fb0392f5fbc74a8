// Loaded into a benchmark server with `node --import` by idle-breakdown.mjs: on SIGUSR2 it
// writes one line "heap-probe <json>" to stderr with the process's RSS and V8's heap spaces
// (committed and used bytes); then, when HEAP_PROBE_SNAPSHOT is a path prefix, a heap snapshot
// (the n-th goes to <prefix>.<n>.heapsnapshot; taking it runs a full GC, so the numbers are read
// first).
import { writeSync } from 'node:fs';
import v8 from 'node:v8';

let snapshots = 0;
process.on('SIGUSR2', () => {
  const spaces = {};
  for (const s of v8.getHeapSpaceStatistics()) spaces[s.space_name] = { committed: s.physical_space_size, used: s.space_used_size };
  const { rss, external } = process.memoryUsage();
  const prefix = process.env.HEAP_PROBE_SNAPSHOT;
  const snapshot = prefix ? v8.writeHeapSnapshot(`${prefix}.${++snapshots}.heapsnapshot`) : undefined;
  const report = { rss, external, spaces, snapshot };
  writeSync(2, `heap-probe ${JSON.stringify(report)}\n`);
});
