// Summaries of measured rounds and their rendering: a plain-text table and a Markdown table.
import { median } from './measure.mjs';

/** One result row from the rounds of both sides (round r of ws is paired with round r of uws). */
export function summarize(input, rounds) {
  const side = (list) => ({
    msgsPerSec: median(list.map((x) => x.msgsPerSec)),
    mbPerSec: median(list.map((x) => x.payloadBytesPerSec)) / 1e6,
    minMsgsPerSec: Math.min(...list.map((x) => x.msgsPerSec)),
    maxMsgsPerSec: Math.max(...list.map((x) => x.msgsPerSec)),
    rounds: list.map((x) => x.msgsPerSec),
  });
  const ws = side(rounds.ws);
  const uws = side(rounds.uws);
  const perRound = rounds.uws.map((x, i) => x.msgsPerSec / rounds.ws[i].msgsPerSec);
  const ratio = uws.msgsPerSec / ws.msgsPerSec;
  return {
    scenario: input.name,
    note: input.note ?? `${input.messages} messages per run`,
    messageLength: input.messageLength,
    target: input.target,
    ws,
    uws,
    ratio,
    ratioMin: Math.min(...perRound),
    ratioMax: Math.max(...perRound),
    met: ratio >= input.target,
  };
}

function rate(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(0);
}

const mb = (n) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const x = (n) => `${n.toFixed(2)}×`;
/** met / MISSED by the median ratio; `*` when the per-round range spans the target (too close to call). */
const verdict = (row) => {
  const spans = row.ratioMin < row.target && row.ratioMax >= row.target;
  return `≥ ${row.target}× ${row.met ? 'met' : 'MISSED'}${spans ? '*' : ''}`;
};

const HEAD = ['Scenario', 'ws msg/s', 'ws MB/s', 'uws msg/s', 'uws MB/s', 'uws/ws', 'per-round range', 'Target'];

function cells(row) {
  return [
    row.scenario,
    rate(row.ws.msgsPerSec),
    mb(row.ws.mbPerSec),
    rate(row.uws.msgsPerSec),
    mb(row.uws.mbPerSec),
    x(row.ratio),
    `${row.ratioMin.toFixed(2)}–${row.ratioMax.toFixed(2)}`,
    verdict(row),
  ];
}

/** A plain-text table, columns padded. */
export function textTable(rows) {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(HEAD), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(cells(r)))].join('\n');
}

/** A Markdown table for the README. */
export function markdownTable(rows) {
  const align = HEAD.map((_, i) => (i === 0 ? ':--' : '--:'));
  const line = (r) => `| ${r.join(' | ')} |`;
  return [line(HEAD), line(align), ...rows.map((r) => line(cells(r)))].join('\n');
}
