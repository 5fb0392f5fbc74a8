// @ts-check
// Reports: index.json in the suite's layout (agent → case id → behavior, behaviorClose,
// duration, remoteCloseCode, reportfile), one JSON file per case, and a Markdown summary.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareCaseIds } from './catalogue.mjs';

/** @typedef {import('./runner.mjs').CaseResult} CaseResult */
/** @typedef {Record<string, Record<string, { behavior: string, behaviorClose: string, duration: number, remoteCloseCode: number | null, reportfile: string }>>} ReportIndex */

export const VERDICT_COLUMNS = ['OK', 'NON-STRICT', 'INFORMATIONAL', 'UNIMPLEMENTED', 'FAILED'];

/** @param {string} agent @param {string} id */
const caseFile = (agent, id) => `${agent.replace(/[^a-zA-Z0-9]/g, '_').toLowerCase()}_case_${id.replace(/\./g, '_')}.json`;

/**
 * Merges `results` for `agent` into `outdir/index.json` (other agents are kept) and writes the
 * per-case files and `outdir/index.md`.
 * @param {string} outdir @param {string} agent @param {CaseResult[]} results
 * @returns {Promise<ReportIndex>}
 */
export async function writeReports(outdir, agent, results) {
  await mkdir(outdir, { recursive: true });
  /** @type {ReportIndex} */
  let index = {};
  try {
    index = JSON.parse(await readFile(join(outdir, 'index.json'), 'utf8'));
  } catch {
    // No readable index yet: start a fresh one.
  }
  /** @type {ReportIndex[string]} */
  const cases = {};
  for (const r of [...results].sort((a, b) => compareCaseIds(a.id, b.id))) {
    const reportfile = caseFile(agent, r.id);
    cases[r.id] = { behavior: r.behavior, behaviorClose: r.behaviorClose, duration: r.duration, remoteCloseCode: r.remoteCloseCode, reportfile };
    await writeFile(join(outdir, reportfile), JSON.stringify({ agent, ...r }, null, 2) + '\n');
  }
  index[agent] = cases;
  await writeFile(join(outdir, 'index.json'), JSON.stringify(index, null, 3) + '\n');
  await writeFile(join(outdir, 'index.md'), markdownSummary(index));
  return index;
}

/**
 * Counts per verdict for one agent: behaviour verdicts, plus close verdicts that are not OK.
 * @param {ReportIndex[string]} cases
 */
export function countVerdicts(cases) {
  /** @type {Record<string, number>} */
  const counts = Object.fromEntries(VERDICT_COLUMNS.map((v) => [v, 0]));
  let closeNotOk = 0;
  for (const c of Object.values(cases)) {
    counts[c.behavior] = (counts[c.behavior] ?? 0) + 1;
    if (c.behaviorClose !== 'OK' && c.behaviorClose !== 'INFORMATIONAL') closeNotOk++;
  }
  return { counts, closeNotOk, total: Object.keys(cases).length };
}

/**
 * The per-agent table, one row per agent.
 * @param {ReportIndex} index @param {number} [expectedTotal] cases a full run has (for "missing")
 */
export function verdictTable(index, expectedTotal) {
  const head = `| testee | cases | ${VERDICT_COLUMNS.join(' | ')} | missing | close not OK |`;
  const rule = `|${'---|'.repeat(VERDICT_COLUMNS.length + 4)}`;
  const rows = Object.keys(index).sort().map((agent) => {
    const { counts, closeNotOk, total } = countVerdicts(index[agent]);
    const missing = expectedTotal === undefined ? 0 : Math.max(0, expectedTotal - total);
    return `| ${agent} | ${total} | ${VERDICT_COLUMNS.map((v) => counts[v]).join(' | ')} | ${missing} | ${closeNotOk} |`;
  });
  return [head, rule, ...rows].join('\n');
}

/** @param {ReportIndex} index */
export function markdownSummary(index) {
  const lines = ['# Autobahn conformance summary', '', verdictTable(index), ''];
  for (const agent of Object.keys(index).sort()) {
    const bad = Object.entries(index[agent]).filter(([, c]) => !['OK', 'NON-STRICT', 'INFORMATIONAL'].includes(c.behavior) || !['OK', 'INFORMATIONAL'].includes(c.behaviorClose));
    lines.push(`## ${agent}`, '');
    if (bad.length === 0) lines.push('Every case passes (OK, NON-STRICT or INFORMATIONAL), close behaviour included.', '');
    else {
      lines.push('| case | behavior | behaviorClose | remote close code |', '|---|---|---|---|');
      for (const [id, c] of bad) lines.push(`| ${id} | ${c.behavior} | ${c.behaviorClose} | ${c.remoteCloseCode ?? ''} |`);
      lines.push('');
    }
  }
  return lines.join('\n');
}
