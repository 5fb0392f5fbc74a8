#!/usr/bin/env node
// The soak test (not in CI): many connections for a long time against the App, with echo and
// pub/sub traffic carrying sequence numbers, random disconnects and reconnects. Reports the
// server's RSS over time (an SVG plot), messages lost and duplicated (both must be 0), and the
// server's descriptor count at the end (from /proc). Exits non-zero when a check fails.
//
//   node benchmarks/soak/run.mjs [--connections 19000] [--duration 600] [--processes 4]
//        [--rooms 100] [--echo-interval 5000] [--pub-interval 1000] [--mean-life 60]
//        [--abrupt 0.2] [--ramp 30] [--label <name>] [--note <text under the plot>]
//
// Durations in seconds, intervals in ms. Each process (server and clients) runs under
// `ulimit -n 20000`, so the connections are spread over --processes client processes. Writes
// results/<label>.json and results/<label>.svg.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { rssPlot } from './plot.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const cfg = {
  connections: Number(opt('connections', 19_000)),
  durationS: Number(opt('duration', 600)),
  processes: Number(opt('processes', 4)),
  rooms: Number(opt('rooms', 100)),
  echoIntervalMs: Number(opt('echo-interval', 5000)),
  pubIntervalMs: Number(opt('pub-interval', 1000)),
  meanLifeS: Number(opt('mean-life', 60)),
  abruptShare: Number(opt('abrupt', 0.2)),
  rampS: Number(opt('ramp', 30)),
};
const note = opt('note', undefined);
const label = opt('label', `soak-${new Date().toISOString().slice(0, 16).replace(/:/g, '-')}`);
const FD_LIMIT = 20_000;
const here = (p) => fileURLToPath(new URL(p, import.meta.url));

function underLimit(script, argv, stdio) {
  return spawn('sh', ['-c', `ulimit -n ${FD_LIMIT} && exec "$0" "$@"`, process.execPath, script, ...argv], { stdio });
}

const procStatus = (pid, key) => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${key}:`));
  return line ? Number(line.split(/\s+/)[1]) * 1024 : NaN;
};
const fdCount = (pid) => readdirSync(`/proc/${pid}/fd`).length;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = underLimit(here('./server.mjs'), [], ['pipe', 'pipe', 'inherit']);
const serverLines = createInterface({ input: server.stdout });
const serverWaiting = [];
serverLines.on('line', (l) => serverWaiting.shift()?.(l));
const serverLine = () => new Promise((resolve) => serverWaiting.push(resolve));
const port = Number((await serverLine()).split(' ')[1]);
const fdsAtStart = fdCount(server.pid);
console.log(`soak: server pid ${server.pid} on port ${port}, ${fdsAtStart} fds; ${JSON.stringify(cfg)}`);

const perProcess = Math.ceil(cfg.connections / cfg.processes);
const publishersPerProcess = Math.ceil(cfg.rooms / cfg.processes);
const clients = [];
for (let i = 0; i < cfg.processes; i++) {
  const c = {
    counts: undefined,
    final: undefined,
    proc: underLimit(
      here('./client.mjs'),
      [
        JSON.stringify({
          url: `ws://127.0.0.1:${port}`,
          index: i,
          processes: cfg.processes,
          connections: Math.min(perProcess, cfg.connections - i * perProcess),
          rooms: cfg.rooms,
          publishers: publishersPerProcess,
          echoIntervalMs: cfg.echoIntervalMs,
          pubIntervalMs: cfg.pubIntervalMs,
          meanLifeMs: cfg.meanLifeS * 1000,
          abruptShare: cfg.abruptShare,
          rampMs: cfg.rampS * 1000,
        }),
      ],
      ['ignore', 'inherit', 'inherit', 'ipc'],
    ),
  };
  c.proc.on('message', (m) => {
    if (m.type === 'counts') c.counts = m.counts;
    else if (m.type === 'final') c.final = m.counts;
  });
  clients.push(c);
}

const sum = (key, which = 'counts') => clients.reduce((a, c) => a + (c[which]?.[key] ?? 0), 0);
const samples = [];
const started = Date.now();
const loadAtStart = loadavg();
let peakFds = 0;
while (Date.now() - started < cfg.durationS * 1000) {
  await sleep(2000);
  const fds = fdCount(server.pid);
  peakFds = Math.max(peakFds, fds);
  const sample = {
    t: (Date.now() - started) / 1000,
    rssBytes: procStatus(server.pid, 'VmRSS'),
    open: sum('open'),
    fds,
    lost: sum('lost'),
    duplicated: sum('duplicated'),
  };
  samples.push(sample);
  if (samples.length % 15 === 0) {
    console.log(
      `soak: ${sample.t.toFixed(0)} s, ${sample.open} open, RSS ${(sample.rssBytes / 2 ** 20).toFixed(0)} MiB, ${fds} fds, ` +
        `${sum('echoReceived')} echoes, ${sum('pubReceived')} publications received, ${sum('reconnects')} reconnects, lost ${sample.lost}, duplicated ${sample.duplicated}`,
    );
  }
}
const loadAtEnd = loadavg();

// Stop: every client closes its connections gracefully, checking each one's tail.
for (const c of clients) c.proc.send('stop');
const deadline = Date.now() + 60_000;
while (clients.some((c) => c.final === undefined) && Date.now() < deadline) await sleep(200);
// Let the server take the last close handshakes.
let fdsAtEnd = fdCount(server.pid);
for (let i = 0; i < 50 && fdsAtEnd > fdsAtStart; i++) {
  await sleep(200);
  fdsAtEnd = fdCount(server.pid);
}
const rssAtEnd = procStatus(server.pid, 'VmRSS');
server.stdin.write('stats\n');
const serverStats = JSON.parse(await serverLine());
server.stdin.end();
for (const c of clients) if (c.proc.exitCode === null) c.proc.kill();

const total = (key) => sum(key, 'final');
const result = {
  label,
  note,
  command: `node benchmarks/soak/run.mjs ${args.join(' ')}`.trim(),
  config: cfg,
  node: process.version,
  loadAverage: { start: loadAtStart, end: loadAtEnd },
  finalsReceived: clients.filter((c) => c.final !== undefined).length,
  messages: {
    echoSent: total('echoSent'),
    echoReceived: total('echoReceived'),
    published: total('published'),
    publicationsReceived: total('pubReceived'),
    lost: total('lost'),
    duplicated: total('duplicated'),
  },
  connections: {
    opened: total('opened'),
    reconnects: total('reconnects'),
    gracefulCloses: total('gracefulCloses'),
    abruptCloses: total('abruptCloses'),
    unexpectedCloses: total('unexpectedCloses'),
    connectErrors: total('connectErrors'),
    fenceChecks: total('fenceChecks'),
    fenceTimeouts: total('fenceTimeouts'),
    failures: clients.reduce((all, c) => {
      for (const [key, n] of Object.entries(c.final?.failures ?? {})) all[key] = (all[key] ?? 0) + n;
      return all;
    }, {}),
  },
  server: {
    ...serverStats,
    fdsAtStart,
    peakFds,
    fdsAtEnd,
    rssAtEndBytes: rssAtEnd,
    rssPeakBytes: Math.max(...samples.map((s) => s.rssBytes)),
  },
  samples,
};
const checks = {
  'no message lost': result.messages.lost === 0,
  'no message duplicated': result.messages.duplicated === 0,
  'no connection ended by the server or failed': result.connections.unexpectedCloses === 0 && result.connections.connectErrors === 0,
  'every fence answered': result.connections.fenceTimeouts === 0,
  'every client process reported': result.finalsReceived === cfg.processes,
  'the server is back to its descriptors at start': fdsAtEnd === fdsAtStart,
};
result.checks = checks;
writeFileSync(here(`./results/${label}.json`), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(here(`./results/${label}.svg`), rssPlot(result));
console.log(JSON.stringify({ ...result, samples: `${samples.length} samples` }, null, 2));
const failed = Object.entries(checks).filter(([, ok]) => !ok);
for (const [name] of failed) console.error(`soak: FAILED: ${name}`);
process.exit(failed.length === 0 ? 0 : 1);
