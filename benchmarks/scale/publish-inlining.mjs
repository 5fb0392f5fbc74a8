// What V8's optimizing compiler made of the App's publish loop (`sendToEach`; `deliverToTopic`
// in builds before it had a function of its own) under the
// fan-out load, with or without a broker: the fan-out server runs with V8's optimization and
// inlining traces under the C load generator (1 000 subscribers, 16 B, P=16, as in `run.mjs`),
// and for each compilation of the loop this lists which per-subscriber functions were inlined
// into it, and every deoptimization of it. A deterministic check where timings are noise: the
// loop is fast when the whole per-subscriber send is inlined (see the README, "Fan-out with a
// broker attached").
//
//   node scale/publish-inlining.mjs [--broker redis|thread] [--runs 3] [--seconds 3]
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../harness/measure.mjs';

const here = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
};
const broker = arg('--broker', undefined);
const runs = Number(arg('--runs', '3'));
const seconds = Number(arg('--seconds', '3'));

/** The per-subscriber functions (a name twice: two classes have a method of that name). */
const PER_SUBSCRIBER = ['sendPublication', 'overLimit', 'bufferedAmount', 'bufferedAmount', 'sendBufferFor', 'sendSharedTo', 'recommit', 'recommit', 'command'];
/** The loop's function, and where it was before it had one of its own. */
const LOOPS = ['sendToEach', 'deliverToTopic'];
const TRACE = ['--trace-opt', '--trace-deopt', '--trace-turbo-inlining'];

const canPin = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
// V8 prints its traces through C stdio. Into a file, not a pipe: Node makes a pipe non-blocking,
// and C stdio drops what a full pipe refuses. Line-buffered, the main thread's lines (compiling,
// deoptimizing) are in the file while they happen, so the end of the load can cut them; the
// compiler thread's "Inlining" lines may come later: they go with the loop's latest compilation.
// The server exits on SIGINT so that nothing buffered is lost.
const lineBuffered = spawnSync('stdbuf', ['-oL', 'true']).status === 0 ? ['stdbuf', '-oL'] : [];
const EXIT_ON_SIGINT = ['--import', 'data:text/javascript,process.on("SIGINT",()=>process.exit(0))'];
const pinned = (cpu, cmd) => (canPin ? ['taskset', '-c', String(cpu), ...cmd] : cmd);
if (spawnSync('make', ['-s', '-C', 'loadgen'], { cwd: here, stdio: 'inherit' }).status !== 0) throw new Error('building the load generator failed');

/** Runs the server under load once; resolves with its stdout (the traces) and where the load ended in it. */
async function traced() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'publish-inlining-'));
  const file = join(dir, 'trace.txt');
  const fd = openSync(file, 'w');
  const [bin, ...args] = pinned(0, [...lineBuffered, process.execPath, ...EXIT_ON_SIGINT, ...TRACE, 'servers/app-epoll.mjs', ...(broker ? ['--broker', broker] : []), String(port)]);
  const server = spawn(bin, args, { cwd: here, stdio: ['ignore', fd, 'inherit'] });
  closeSync(fd);
  const exited = new Promise((resolve) => server.once('exit', resolve));
  let gone = false;
  exited.then(() => (gone = true));
  for (let waited = 0; !/^listening \d+/m.test(readFileSync(file, 'utf8')); waited += 50) {
    if (gone) throw new Error('the server exited before listening');
    if (waited > 15000) throw new Error('the server did not print listening within 15 s');
    await sleep(50);
  }
  const [lg, ...lgArgs] = pinned(1, ['loadgen/bin/loadgen', 'fanout', '--port', String(port), '--connections', '1000', '--inflight', '16', '--size', '16', '--duration', String(seconds), '--warmup', '1']);
  // Not spawnSync: the server's traces must be read while the load runs (a full pipe stalls it).
  const loadgen = spawn(lg, lgArgs, { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] });
  let report = '';
  // The traces up to the end of the measured window (the load generator says "end"): what the
  // server does after it (its sockets closing) is not the loop's steady state.
  let underLoad;
  const read = (d) => {
    report += d;
    if (underLoad === undefined && /^end$/m.test(report)) underLoad = statSync(file).size;
  };
  loadgen.stdout.on('data', read);
  loadgen.stderr.on('data', read);
  const status = await new Promise((resolve) => loadgen.once('exit', resolve));
  if (status !== 0) throw new Error(`load generator: ${report}`);
  server.kill('SIGINT');
  const killer = setTimeout(() => server.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
  const trace = readFileSync(file);
  rmSync(dir, { recursive: true });
  return { trace: trace.toString('latin1'), cut: underLoad ?? trace.length };
}

/**
 * The loop's compilations (inlined per-subscriber functions) and deoptimizations up to the end
 * of the load (`cut`), in order.
 */
function loopEvents({ trace, cut }, LOOP) {
  const events = [];
  let latest;
  let at = 0;
  for (const line of trace.split('\n')) {
    const duringLoad = at < cut;
    at += line.length + 1;
    let m;
    if ((m = /^Inlining \S+ \{\S+ <SharedFunctionInfo ([^>]+)>\} into \S+ \{\S+ <SharedFunctionInfo ([^>]+)>\}/.exec(line)) && m[2] === LOOP) {
      latest?.inlined.push(m[1]);
    } else if (!duringLoad) {
      continue;
    } else if ((m = /^\[compiling method \S+ <JSFunction (\S+) \(sfi/.exec(line)) && m[1] === LOOP) {
      latest = { inlined: [] };
      events.push(latest);
    } else if ((m = /^\[bailout \(kind: ([^,]+), reason: ([^)]+)\).* <JSFunction (\S+) \(sfi/.exec(line)) && m[3] === LOOP) {
      events.push({ deopt: `${m[1]}: ${m[2]}` });
    } else if ((m = /^\[marking dependent code .*<SharedFunctionInfo ([^>]+)>.*reason: ([^\]]+)\]/.exec(line)) && m[1] === LOOP) {
      events.push({ deopt: `dependent code: ${m[2]}` });
    }
  }
  return events;
}

function describe(event) {
  if (event.deopt !== undefined) return `deoptimized (${event.deopt})`;
  const left = [...event.inlined];
  const missing = [];
  for (const name of PER_SUBSCRIBER) {
    const i = left.indexOf(name);
    if (i < 0) missing.push(name);
    else left.splice(i, 1);
  }
  return missing.length === 0 ? 'compiled, the whole per-subscriber send inlined' : `compiled, not inlined: ${missing.join(', ')}`;
}

console.log(`fan-out 1000 subscribers, 16 B, P=16, ${broker ? `broker ${broker}` : 'no broker'}, ${runs} run(s) of ${seconds} s`);
for (let r = 1; r <= runs; r++) {
  const trace = await traced();
  const loop = LOOPS.find((name) => trace.trace.includes(`<JSFunction ${name} `)) ?? LOOPS[0];
  console.log(`run ${r}:`);
  for (const e of loopEvents(trace, loop)) console.log(`  ${loop} ${describe(e)}`);
}
