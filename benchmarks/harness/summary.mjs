// Medians, ranges and ratios of one scenario's runs.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median over the rounds of each round-trip percentile (µs), for runs that measured latency. */
function latency(runs) {
  const l = runs.map((r) => r.loadgen?.latency_us).filter((x) => x?.samples > 0);
  if (!l.length) return null;
  return { p50: median(l.map((x) => x.p50)), p99: median(l.map((x) => x.p99)), p999: median(l.map((x) => x.p999)), samples: l.reduce((a, x) => a + x.samples, 0) };
}

/** Per server: median, min, max of the metric over ok runs; median server and loadgen CPU%;
 * ratio of the medians to the baseline and to the C limit (value / other, for every metric). */
export function summarize(entry, baseline) {
  const by = {};
  for (const r of entry.runs) (by[r.server] ??= []).push(r);
  const summary = {};
  for (const [server, runs] of Object.entries(by)) {
    const ok = runs.filter((r) => r.ok);
    const vals = ok.map((r) => r.value);
    summary[server] = {
      runs: runs.length,
      failed: runs.length - ok.length,
      median: median(vals),
      min: Math.min(...vals),
      max: Math.max(...vals),
      serverCpuPct: median(ok.map((r) => r.serverCpuPct)),
      loadgenCpuPct: median(ok.map((r) => r.loadgenCpuPct)),
      // throughput per second of server CPU: the work done per unit of the server's own CPU,
      // which other processes on a shared core cannot shrink (not for memory)
      perCpuSecond: entry.lowerIsBetter ? null : median(ok.map((r) => r.value / (r.serverCpuPct / 100))),
      latencyUs: latency(ok),
    };
  }
  for (const s of Object.values(summary)) {
    const b = summary[baseline]?.median;
    const l = summary.limit?.median;
    s.vsBaseline = b ? s.median / b : null;
    s.vsLimit = l ? s.median / l : null;
  }
  return summary;
}
