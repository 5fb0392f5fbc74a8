// One measurement: start a server pinned to the server CPU, run the load generator pinned to
// the other, read the server's CPU time over the loadgen's measured window (it says "measure"
// and "end" on stderr) and, for idle, the server's RSS before and while holding connections.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, rssBytes } from './proc.mjs';

/**
 * A free loopback port below the ephemeral range (32768+ here), so that no client socket of a
 * previous run can hold it: a random candidate, checked by binding it.
 */
export async function freePort() {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const ok = await new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port in 20000-31999');
}

function pinned(cpu, cmd) {
  return cpu === undefined ? cmd : ['taskset', '-c', String(cpu), ...cmd];
}

async function startServer(server, port, cpu) {
  const [bin, ...args] = pinned(cpu, [...server.cmd, String(port)]);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const line = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^listening (\d+)(.*)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    exited.then(() => resolve(null));
  });
  return { child, line, exited, stderr: () => err };
}

async function stopServer(s) {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return s.exited;
  s.child.kill('SIGTERM');
  const t = setTimeout(() => s.child.kill('SIGKILL'), 3000);
  const r = await s.exited;
  clearTimeout(t);
  return r;
}

function loadgenArgs(scenario, server, port, timing, quick, extra) {
  const a = { ...scenario.args, ...(quick ? scenario.quickArgs : {}) };
  const args = [scenario.mode, '--port', String(port)];
  if (scenario.mode !== 'connect' && scenario.mode !== 'idle') {
    args.push('--duration', String(timing.duration), '--warmup', String(timing.warmup));
  }
  for (const [k, v] of Object.entries(a)) args.push(`--${k}`, String(v));
  for (const [k, v] of Object.entries(extra)) args.push(`--${k}`, String(v));
  args.push(...(server.loadgen ?? []));
  return args;
}

/**
 * Runs one scenario against one server. Returns a record with ok, the metric value, the
 * server's CPU% over the measured window, the loadgen's own report and any failure reason.
 */
export async function measureOnce({ scenario, serverId, server, loadgen, cpus, timing, quick, extra = {} }) {
  const port = await freePort();
  const rec = { server: serverId, ok: false };
  const srv = await startServer(server, port, cpus.server);
  if (!srv.line) {
    await stopServer(srv);
    rec.error = `server did not start: ${srv.stderr().trim().split('\n').slice(-20).join(' | ')}`;
    return rec;
  }
  rec.banner = srv.line;
  const pid = srv.child.pid; // taskset execs the server, so this is the server's own pid
  await sleep(300);
  rec.rssIdle = rssBytes(pid);
  const args = loadgenArgs(scenario, server, port, timing, quick, extra);
  const [bin, ...rest] = pinned(cpus.loadgen, [loadgen, ...args]);
  const lg = spawn(bin, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let cpu0 = cpuSeconds(pid);
  let t0 = performance.now();
  let cpu1 = NaN;
  let t1 = NaN;
  let rssHeld = NaN;
  const limitMs = 1000 * (timing.duration + timing.warmup + (scenario.args.timeout ?? 30) + (scenario.args.duration ?? 0) + 30);
  const killer = setTimeout(() => lg.kill('SIGKILL'), limitMs);
  lg.stdout.on('data', (d) => (stdout += d));
  lg.stderr.on('data', async (d) => {
    for (const line of String(d).split('\n')) {
      if (line === 'measure') {
        cpu0 = cpuSeconds(pid);
        t0 = performance.now();
      } else if (line === 'end') {
        cpu1 = cpuSeconds(pid);
        t1 = performance.now();
      } else if (line.startsWith('ready')) {
        cpu0 = cpuSeconds(pid);
        t0 = performance.now();
        await sleep(1000); // let the server settle its per-connection state
        rssHeld = rssBytes(pid);
        cpu1 = cpuSeconds(pid);
        t1 = performance.now();
      } else if (line) {
        stderr += `${line}\n`;
      }
    }
  });
  const code = await new Promise((resolve) => lg.once('exit', (c, s) => resolve(c ?? s)));
  clearTimeout(killer);
  if (Number.isNaN(cpu1)) {
    cpu1 = cpuSeconds(pid);
    t1 = performance.now();
  }
  const alive = srv.child.exitCode === null && srv.child.signalCode === null;
  await stopServer(srv);
  rec.serverCpuPct = (100 * (cpu1 - cpu0)) / ((t1 - t0) / 1000);
  let report;
  try {
    report = JSON.parse(stdout.trim().split('\n').pop());
  } catch {
    rec.error = `loadgen exit ${code}, no JSON: ${stderr.trim()}`;
    return rec;
  }
  rec.loadgen = report;
  rec.loadgenCpuPct = report.loadgen_cpu_pct;
  if (scenario.mode === 'idle') {
    rec.rssHeld = rssHeld;
    rec.value = (rssHeld - rec.rssIdle) / report.open;
  } else {
    rec.value = report[scenario.metric];
  }
  const e = report.errors;
  const bad = e.connect + e.handshake + e.protocol + e.verify + e.closed;
  if (!alive) rec.error = `server died during the run: ${srv.stderr().trim().split('\n').slice(-20).join(' | ')}`;
  else if (code !== 0 || bad) rec.error = `loadgen exit ${code}, errors ${JSON.stringify(e)}`;
  else if (!(Number.isFinite(rec.value) && rec.value > 0)) rec.error = 'no measurement (nothing completed in the window: a stalled run)';
  else rec.ok = true;
  return rec;
}
