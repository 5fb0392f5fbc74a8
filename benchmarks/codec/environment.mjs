// What the numbers were measured on: runtime, CPU, pinning, and the codecs' versions.
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** CPUs this process may run on (Linux: from /proc), or undefined elsewhere. */
function allowedCpus() {
  try {
    const m = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m?.[1].trim();
  } catch {
    return undefined;
  }
}

export function environment(codecs) {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    cpusAllowed: allowedCpus(),
    codecs: Object.fromEntries(codecs.map((c) => [c.name, c.describe()])),
  };
}

export function describeEnvironment(env) {
  const ws = env.codecs.ws;
  const uws = env.codecs.uws;
  return [
    `Node ${env.node} (V8 ${env.v8}), ${env.platform}, ${env.cpu} ×${env.cpuCount}` +
      (env.cpusAllowed !== undefined ? `, running on CPU(s) ${env.cpusAllowed}` : ''),
    `@uws/protocol ${uws.version}; ws ${ws.version}, bufferutil ${ws.bufferutil ?? 'not installed'}`,
    `ws mask/unmask: ${ws.maskImpl}; ws UTF-8 validation: ${ws.utf8Impl}`,
  ].join('\n');
}
