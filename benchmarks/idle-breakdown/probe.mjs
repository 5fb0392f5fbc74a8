// Preloaded into a benchmark server (`node --import ./probe.mjs server.mjs <port>`): on SIGUSR2
// it writes one line "memory <json>" on stderr with where the process's resident memory is —
// V8's spaces, ArrayBuffers, malloc's heap, other anonymous and file-backed mappings — so that
// run.mjs can split the RSS a set of idle connections costs. It allocates only while answering.
import { readFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';

/** Resident kB of /proc/self/smaps by kind of mapping. */
function mappings() {
  const kinds = { heap: 0, stack: 0, file: 0, anon: 0, other: 0, files: {} };
  let kind = 'other';
  let file = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (head !== null) {
      const name = head[2];
      if (name === '[heap]') kind = 'heap';
      else if (name === '[stack]') kind = 'stack';
      else if (name.startsWith('/')) {
        kind = 'file';
        file = name;
      }
      else if (name === '') kind = 'anon';
      else kind = 'other';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss !== null) {
      kinds[kind] += Number(rss[1]) * 1024;
      if (kind === 'file') kinds.files[file] = (kinds.files[file] ?? 0) + Number(rss[1]) * 1024;
    }
  }
  return kinds;
}

function snapshot() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  const spaces = {};
  for (const s of v8.getHeapSpaceStatistics()) {
    spaces[s.space_name] = { size: s.space_size, used: s.space_used_size, physical: s.physical_space_size };
  }
  const mu = process.memoryUsage();
  return {
    rss: kb('VmRSS'),
    rssAnon: kb('RssAnon'),
    rssFile: kb('RssFile'),
    heapTotal: mu.heapTotal,
    heapUsed: mu.heapUsed,
    external: mu.external,
    arrayBuffers: mu.arrayBuffers,
    spaces,
    mappings: mappings(),
  };
}

// With PROBE_GC=1 (and --expose-gc) a full collection runs first: what is live, not what the
// young generation happens to hold. PROBE_GC=minor runs two scavenges instead: with
// PROBE_ALLOCATIONS_MINOR=0 the allocation profile then keeps only what survived a scavenge.
const hasGc = typeof globalThis.gc === 'function';
const collect = process.env.PROBE_GC === '1' && hasGc;
const scavenge = process.env.PROBE_GC === 'minor' && hasGc;

// With PROBE_HEAP_SNAPSHOTS=<dir>, every answer also writes a V8 heap snapshot there (after the
// numbers are taken: writing one allocates a lot), for census.mjs.
const snapshotDir = process.env.PROBE_HEAP_SNAPSHOTS;
let taken = 0;

// With PROBE_ALLOCATIONS=<file>, the first answer starts V8's sampling heap profiler (keeping
// the samples of objects the GC collected since: garbage is what makes scavenges) and the
// second writes the profile there, for allocations.mjs.
const allocationsFile = process.env.PROBE_ALLOCATIONS;
let session;
if (allocationsFile) {
  const inspector = await import('node:inspector');
  session = new inspector.Session();
  session.connect();
}
function profileAllocations(answer) {
  if (answers === 0) {
    session.post(
      'HeapProfiler.startSampling',
      { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.PROBE_ALLOCATIONS_MINOR !== '0' },
      answer,
    );
  } else {
    session.post('HeapProfiler.stopSampling', (err, result) => {
      if (!err) writeFileSync(allocationsFile, JSON.stringify(result.profile));
      answer();
    });
  }
}
let answers = 0;

process.on('SIGUSR2', () => {
  if (collect) globalThis.gc();
  if (scavenge) {
    globalThis.gc({ type: 'minor' });
    globalThis.gc({ type: 'minor' });
  }
  const numbers = snapshot();
  if (snapshotDir) numbers.heapSnapshot = v8.writeHeapSnapshot(`${snapshotDir}/probe-${process.pid}-${taken++}.heapsnapshot`);
  const answer = () => process.stderr.write(`memory ${JSON.stringify(numbers)}\n`);
  if (session !== undefined) profileAllocations(answer);
  else answer();
  answers++;
});
