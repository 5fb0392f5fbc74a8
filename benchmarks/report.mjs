#!/usr/bin/env node
// Turns a results JSON into the README tables and SVG charts (one chart per scenario kind,
// a panel per scenario, one bar per server in the server's colour, min–max as a whisker).
//
//   node report.mjs [results/<file>.json ...] [--readme]
//   (default: the newest full run and the partial reruns after it; never the --quick files)
//
// With several files, a later file's scenarios replace the earlier files' scenarios of the same
// id (a rerun of some scenarios); the README lists every file and command used.
//
// --readme rewrites the part of README.md between the "results" markers and writes
// results/<kind>.svg.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COLORS } from './harness/servers.mjs';
import { summarize } from './harness/summary.mjs';

const ORDER = ['app-epoll', 'app-epoll-other', 'app-node', 'uwebsockets', 'ws', 'ws-compat', 'ws-compat-other', 'socketio', 'socketio-uws', 'socketio-eiows', 'limit'];
/** The peers App is compared with, as ratio columns (when the run has them). */
const PEERS = [
  ['uwebsockets', 'App/uWS.js'],
  ['ws', 'App/ws'],
  ['socketio', 'App/Socket.IO'],
  ['limit', 'App/limit'],
  // BENCH_OTHER_NATIVE: this build against another one, side by side in one run.
  ['app-epoll-other', 'App/other build'],
];

export function fmt(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)} k`;
  if (a >= 100) return v.toFixed(0);
  return v.toFixed(1);
}

const ratio = (a, b) => (a && b && Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(2)}×` : '–');
const servers = (results) => ORDER.filter((s) => results.servers[s]).concat(Object.keys(results.servers).filter((s) => !ORDER.includes(s)));
/** TLS scenarios run the same servers started with --tls ("<id>-tls", and "app-epoll-tls-other"
 * for the other build's). In the summary tables they share the plain server's column, so the
 * App/peer ratios compare like with like. */
const isTls = (sc) => sc.kind.startsWith('tls-');
const TLS_ID = /-tls(?=$|-other$)/;
const tlsId = (s) => (s.endsWith('-other') ? s.replace(/-other$/, '-tls-other') : `${s}-tls`);
const at = (sc, s) => sc.summary[isTls(sc) ? tlsId(s) : s];
const columns = (results) => [...new Set(servers(results).map((s) => s.replace(TLS_ID, '')))];
const label = (results, s) => results.servers[s] ?? results.servers[tlsId(s)];
const peers = (results) => PEERS.filter(([id]) => label(results, id));

/** Compact table: median per server and the ratios the goals are read against. */
export function markdownTable(results) {
  const ids = columns(results);
  const head = ['Scenario', 'unit', ...ids.map((s) => label(results, s)), ...peers(results).map(([, h]) => h)];
  const lines = [`| ${head.join(' | ')} |`, `| :-- | :-- | ${head.slice(2).map(() => '--:').join(' | ')} |`];
  for (const sc of results.scenarios) {
    const m = (s) => at(sc, s)?.median;
    const cell = (s) => {
      const x = at(sc, s);
      if (!x) return 'n/a';
      if (x.failed === x.runs) return 'FAILED';
      return `${fmt(x.median)}${x.failed ? ` (${x.failed} failed)` : ''}`;
    };
    const app = m('app-epoll');
    // for memory, lower is better: show other/app so that > 1 always means "App is better"
    const r = (o) => (sc.lowerIsBetter ? ratio(m(o), app) : ratio(app, m(o)));
    lines.push(`| ${sc.name} | ${sc.unit}${sc.lowerIsBetter ? ' (lower is better)' : ''} | ${ids.map(cell).join(' | ')} | ${peers(results).map(([id]) => r(id)).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Throughput per second of server CPU, and App's ratios on that basis. */
export function efficiencyTable(results) {
  const ids = columns(results);
  const head = ['Scenario', 'unit per server CPU-second', ...ids.map((s) => label(results, s)), ...peers(results).map(([, h]) => h)];
  const lines = [`| ${head.join(' | ')} |`, `| :-- | :-- | ${head.slice(2).map(() => '--:').join(' | ')} |`];
  for (const sc of results.scenarios) {
    if (sc.lowerIsBetter) continue;
    const e = (s) => at(sc, s)?.perCpuSecond;
    const app = e('app-epoll');
    lines.push(`| ${sc.name} | ${sc.unit} | ${ids.map((s) => fmt(e(s))).join(' | ')} | ${peers(results).map(([id]) => ratio(app, e(id))).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Round-trip latency of the echo scenarios: p50 / p99 / p99.9 in ms, medians over the rounds. */
export function latencyTable(results) {
  const scs = results.scenarios.filter((sc) => Object.values(sc.summary).some((x) => x.latencyUs));
  if (!scs.length) return '';
  const ids = columns(results).filter((s) => scs.some((sc) => at(sc, s)?.latencyUs));
  const ms = (us) => (us >= 1e5 ? (us / 1e3).toFixed(0) : us >= 1e4 ? (us / 1e3).toFixed(1) : (us / 1e3).toFixed(2));
  const lines = [`| Scenario | ${ids.map((s) => label(results, s)).join(' | ')} |`, `| :-- | ${ids.map(() => '--:').join(' | ')} |`];
  for (const sc of scs) {
    const cell = (s) => {
      const l = at(sc, s)?.latencyUs;
      return l ? `${ms(l.p50)} / ${ms(l.p99)} / ${ms(l.p999)}` : '–';
    };
    lines.push(`| ${sc.name} | ${ids.map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Detail: every server's median, min–max, and CPU% of both sides. */
export function detailTable(results) {
  const lines = ['| Scenario | Server | median | min–max | server CPU % | loadgen CPU % | per server CPU-second | runs ok |', '| :-- | :-- | --: | --: | --: | --: | --: | --: |'];
  for (const sc of results.scenarios)
    for (const s of servers(results)) {
      const x = sc.summary[s];
      if (!x) continue;
      lines.push(`| ${sc.name} | ${results.servers[s]} | ${fmt(x.median)} ${sc.unit} | ${fmt(x.min)}–${fmt(x.max)} | ${fmt(x.serverCpuPct)} | ${fmt(x.loadgenCpuPct)} | ${fmt(x.perCpuSecond)} | ${x.runs - x.failed}/${x.runs} |`);
    }
  return lines.join('\n');
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function svgChart(results, kind) {
  const scs = results.scenarios.filter((s) => s.kind === kind);
  const ids = servers(results);
  const W = 720, left = 150, right = 90, bar = 16, gap = 4, title = 22;
  let y = 34;
  const parts = [];
  for (const sc of scs) {
    const present = ids.filter((s) => sc.summary[s] && Number.isFinite(sc.summary[s].median));
    const max = Math.max(...present.map((s) => sc.summary[s].max), 1e-9);
    parts.push(`<text x="8" y="${y + 14}" font-weight="bold">${esc(sc.name)} — ${esc(sc.unit)}${sc.lowerIsBetter ? ' (lower is better)' : ''}</text>`);
    y += title;
    for (const s of present) {
      const x = sc.summary[s];
      const w = ((W - left - right) * x.median) / max;
      const x0 = left + ((W - left - right) * x.min) / max, x1 = left + ((W - left - right) * x.max) / max;
      parts.push(
        `<text x="${left - 6}" y="${y + bar - 4}" text-anchor="end">${esc(results.servers[s])}</text>`,
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${COLORS[s] ?? '#999'}"/>`,
        `<line x1="${x0.toFixed(1)}" x2="${x1.toFixed(1)}" y1="${y + bar / 2}" y2="${y + bar / 2}" stroke="#000" stroke-width="1"/>`,
        `<text x="${(left + Math.max(w, x1 - left) + 4).toFixed(1)}" y="${y + bar - 4}">${esc(fmt(x.median))}</text>`,
      );
      y += bar + gap;
    }
    y += 10;
  }
  const head = `<text x="8" y="18" font-size="13">${esc(`uws benchmarks: ${kind} — median of ${results.options.rounds} round(s), whisker = min–max (${results.date.slice(0, 10)})`)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="#fff"/>\n${head}\n${parts.join('\n')}\n</svg>\n`;
}

/**
 * The newest full run and every partial rerun after it (`--only`/`--servers` runs), oldest
 * first: the files that together make the current picture. Ordered by the date recorded in
 * each file, since --out names (tls-….json) do not sort with the dated ones; a rerun whose
 * every scenario a later file measured again adds nothing and is left out.
 */
function currentResults(dir) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('-quick.json'))
    .map((f) => ({ f, r: JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) }))
    .sort((a, b) => a.r.date.localeCompare(b.r.date));
  if (!files.length) throw new Error('no results/*.json (run `node run.mjs` first)');
  const partial = (x) => / --(only|servers) /.test(`${x.r.command} `);
  let first = files.length - 1;
  while (first > 0 && partial(files[first])) first--;
  const used = files.slice(first);
  const later = (i) => new Set(used.slice(i + 1).flatMap((x) => x.r.scenarios.map((sc) => sc.id)));
  return used.filter((x, i) => i === 0 || x.r.scenarios.some((sc) => !later(i).has(sc.id))).map((x) => `${dir}/${x.f}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const dir = fileURLToPath(new URL('results', import.meta.url));
  const files = args.filter((a) => !a.startsWith('--'));
  if (!files.length) files.push(...currentResults(dir));
  const all = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
  const results = all[0];
  for (const more of all.slice(1)) {
    results.servers = { ...results.servers, ...more.servers };
    results.environment.versions = { ...results.environment.versions, ...more.environment.versions };
    if (more.unavailable) results.unavailable = more.unavailable;
    for (const sc of more.scenarios) {
      const i = results.scenarios.findIndex((x) => x.id === sc.id);
      if (i >= 0) results.scenarios[i] = sc;
      else results.scenarios.push(sc);
    }
  }
  for (const sc of results.scenarios) sc.summary = summarize(sc, results.options.baseline); // recompute with this version
  const kinds = [...new Set(results.scenarios.map((s) => s.kind))];
  const md = [
    files.map((f, i) => `${i ? 'Rerun of some scenarios' : 'Results'}: \`results/${f.split('/').pop()}\`, measured with \`${all[i].command}\` (${all[i].date.slice(0, 16)}Z, load average at start ${all[i].environment.loadavgAtStart}${all[i].environment.loadavgAtEnd ? `, at end ${all[i].environment.loadavgAtEnd}` : ''});`).join('\n'),
    `${results.options.rounds} round(s) of ${results.options.timing.duration} s (after ${results.options.timing.warmup} s warm-up) per server and scenario.`,
    `Node ${results.environment.node}, ${results.environment.platform}, ${results.environment.cpu} ×${results.environment.cpuCount},`,
    Object.entries(results.environment.versions).map(([k, v]) => `${k} ${v ?? 'absent'}`).join(', ') + '.',
    '',
    markdownTable(results),
    '',
    ...(results.scenarios.some(isTls)
      ? ['The TLS rows are the same servers started with `--tls`, each in its plain column: ' +
          servers(results).filter((s) => TLS_ID.test(s)).map((s) => results.servers[s]).join(', ') + ' (see "TLS" below).', '']
      : []),
    'The same runs per second of server CPU (throughput ÷ the server\'s CPU share over the measured window):',
    '',
    efficiencyTable(results),
    '',
    ...(latencyTable(results)
      ? ['Round-trip latency, p50 / p99 / p99.9 in ms (medians over the rounds; from queueing a message in the load generator to parsing its echo, so it includes the load generator\'s own batch processing):', '', latencyTable(results), '']
      : []),
    ...(results.unavailable && Object.keys(results.unavailable).length
      ? [`Not measured in this run: ${Object.entries(results.unavailable).map(([s, why]) => `${s} (${why})`).join('; ')}.`, '']
      : []),
    kinds.map((k) => `![${k}](results/${k}.svg)`).join('\n'),
    '',
    '<details><summary>Every server: median, min–max, CPU% of both sides</summary>',
    '',
    detailTable(results),
    '',
    '</details>',
  ].join('\n');
  if (args.includes('--readme')) {
    for (const k of kinds) writeFileSync(`${dir}/${k}.svg`, svgChart(results, k));
    const readme = fileURLToPath(new URL('README.md', import.meta.url));
    const text = readFileSync(readme, 'utf8');
    const a = '<!-- results:begin (generated by report.mjs) -->', b = '<!-- results:end -->';
    const i = text.indexOf(a), j = text.indexOf(b);
    if (i < 0 || j < i) throw new Error('README.md has no results markers');
    writeFileSync(readme, `${text.slice(0, i + a.length)}\n${md}\n${text.slice(j)}`);
    console.error(`README.md and ${kinds.length} chart(s) written`);
  } else {
    console.log(md);
  }
}
