// The timing loop: warm-up, then alternating fixed-time rounds of each side, one process.
import { setImmediate as tick } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';

/** A full collection between timed runs, so one side's garbage is not collected on the other's clock. */
const collect = (() => {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc');
})();

/**
 * Clocks, in nanoseconds. `cpu` counts the process's CPU time (user + system, as the kernel
 * accounts it): on a shared machine it leaves out the time the process waited while another one
 * ran, which wall time would charge to whichever side happened to be running. System time (page
 * faults of fresh buffers, for instance) is included.
 */
const clocks = {
  cpu() {
    const { user, system } = process.cpuUsage();
    return (user + system) * 1000;
  },
  wall() {
    return Number(process.hrtime.bigint());
  },
};

/**
 * Runs `runner` until `seconds` of timed work are done. Only run() is timed; prepare() (the
 * fresh copy of masked input) is not. Returns { messages, ns }.
 */
function timeRunner(runner, seconds, clock) {
  const budget = seconds * 1e9;
  let ns = 0;
  let messages = 0;
  while (ns < budget) {
    if (runner.prepare !== undefined) runner.prepare();
    const t0 = clock();
    const n = runner.run();
    ns += clock() - t0;
    if (n !== runner.messages) throw new Error(`a run delivered ${n} messages, ${runner.messages} expected`);
    messages += n;
  }
  return { messages, ns };
}

async function settle() {
  await tick(); // let deferred stream callbacks (process.nextTick, setImmediate) run
  collect();
}

/**
 * Measures `sides` ([{ name, runner }]) in `rounds` rounds of `seconds` each, the sides in
 * turn within a round, after `warmup` seconds per side, timed with `clock` ('cpu' or 'wall').
 * Returns, per side name, the rounds as { msgsPerSec, payloadBytesPerSec }.
 */
export async function measure(sides, { seconds, rounds, warmup, clock = 'cpu' }) {
  const now = clocks[clock];
  for (let pass = 0; pass < 2; pass++) {
    for (const side of sides) {
      await settle();
      timeRunner(side.runner, warmup / 2, now);
    }
  }
  const results = Object.fromEntries(sides.map((s) => [s.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const side of sides) {
      await settle();
      const { messages, ns } = timeRunner(side.runner, seconds, now);
      const msgsPerSec = (messages / ns) * 1e9;
      results[side.name].push({ msgsPerSec, payloadBytesPerSec: (msgsPerSec * side.runner.payloadBytes) / side.runner.messages });
    }
  }
  return results;
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
