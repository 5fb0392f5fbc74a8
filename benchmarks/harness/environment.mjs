// What a run was measured on.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

const require = createRequire(import.meta.url);

function version(pkg) {
  try {
    return require(`${pkg}/package.json`).version;
  } catch {
    try {
      return JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url))).version;
    } catch {
      return undefined;
    }
  }
}

/** The 1/5/15-minute load averages, or undefined off Linux. */
export function loadavg() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return undefined;
  }
}

export function environment() {
  const load = loadavg();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: os.release(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cpuCount: os.cpus().length,
    loadavgAtStart: load,
    versions: {
      '@uws/native': version('@uws/native'),
      ws: version('ws'),
      bufferutil: version('bufferutil'),
      'utf-8-validate': version('utf-8-validate'),
      'uws-pack': version('uws-pack'),
      'socket.io': version('socket.io'),
      '@uws/ws-compat': version('@uws/ws-compat'),
      eiows: version('eiows'),
    },
  };
}
