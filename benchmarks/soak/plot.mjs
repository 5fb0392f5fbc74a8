// The soak run's plot: the server's RSS (left axis, MiB) and the open connections (right
// axis) over time, as a standalone SVG with the run's command, load and verdict in its caption.
//
//   node benchmarks/soak/plot.mjs results/<label>.json [--note "text"]
//   re-renders results/<label>.svg from a run's JSON (storing the note, if given, in the JSON).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const W = 860;
const H = 420;
const M = { left: 70, right: 80, top: 60, bottom: 110 };
const H_CAPTION = 14;

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Splits `text` into lines of at most about `width` characters, at spaces. */
function wrap(text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ').filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

export function rssPlot(result) {
  const s = result.samples;
  const tMax = Math.max(1, ...s.map((x) => x.t));
  const rssMax = niceMax(Math.max(...s.map((x) => x.rssBytes / 2 ** 20)) * 1.1);
  const openMax = niceMax(Math.max(1, ...s.map((x) => x.open)) * 1.1);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (t) => M.left + (t / tMax) * pw;
  const yRss = (mib) => M.top + ph - (mib / rssMax) * ph;
  const yOpen = (n) => M.top + ph - (n / openMax) * ph;
  const line = (pts) => pts.map(([a, b], i) => `${i ? 'L' : 'M'}${a.toFixed(1)},${b.toFixed(1)}`).join(' ');
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${M.left}" y="24" font-size="15" font-weight="bold">${esc(`Soak: server RSS and open connections — ${result.label}`)}</text>`);
  const m = result.messages;
  out.push(
    `<text x="${M.left}" y="44" fill="#444">${esc(
      `${result.config.connections} connections, ${result.config.durationS} s; lost ${m.lost}, duplicated ${m.duplicated}; server fds at end ${result.server.fdsAtEnd} (at start ${result.server.fdsAtStart})`,
    )}</text>`,
  );
  for (let i = 0; i <= 5; i++) {
    const v = (rssMax * i) / 5;
    const y = yRss(v);
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 8}" y="${y + 4}" text-anchor="end" fill="#1f6feb">${v.toFixed(0)}</text>`);
    out.push(`<text x="${W - M.right + 8}" y="${y + 4}" fill="#d9480f">${Math.round((openMax * i) / 5)}</text>`);
  }
  const step = [10, 20, 30, 60, 120, 300, 600, 1200].find((v) => tMax / v <= 8) ?? 1800;
  for (let t = 0; t <= tMax; t += step) {
    out.push(`<text x="${x(t)}" y="${M.top + ph + 18}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${M.top + ph + 36}" text-anchor="middle">seconds</text>`);
  out.push(`<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#1f6feb">server RSS (MiB)</text>`);
  out.push(`<text transform="translate(${W - 18} ${M.top + ph / 2}) rotate(90)" text-anchor="middle" fill="#d9480f">open connections</text>`);
  out.push(`<path d="${line(s.map((p) => [x(p.t), yRss(p.rssBytes / 2 ** 20)]))}" fill="none" stroke="#1f6feb" stroke-width="2"/>`);
  out.push(`<path d="${line(s.map((p) => [x(p.t), yOpen(p.open)]))}" fill="none" stroke="#d9480f" stroke-width="1.5" stroke-dasharray="4 3"/>`);
  const load = result.loadAverage;
  const caption = [
    result.command,
    `load average (1/5/15 min) at start ${load.start.map((v) => v.toFixed(2)).join('/')}, at end ${load.end.map((v) => v.toFixed(2)).join('/')}`,
    ...wrap(result.note ?? '', 120),
  ];
  caption.forEach((text, i) => {
    out.push(`<text x="${M.left}" y="${M.top + ph + 56 + i * H_CAPTION}" fill="#444" font-size="11">${esc(text)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  const result = JSON.parse(readFileSync(file, 'utf8'));
  const i = process.argv.indexOf('--note');
  if (i > 0) {
    result.note = process.argv[i + 1];
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  }
  writeFileSync(file.replace(/\.json$/, '.svg'), rssPlot(result));
}
