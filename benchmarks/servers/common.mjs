// What every benchmark server shares: the port (argv[2] or PORT), the loopback host, the limits
// chosen so that no server drops or refuses a benchmark message, and the "listening" line the
// harness waits for.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const HOST = '127.0.0.1';
/** Large scenarios send 16 MiB messages; every server accepts up to 64 MiB. */
export const MAX_PAYLOAD = 64 * 1024 * 1024;
/** uWS-style servers drop sends past their backpressure limit (64 KiB by default): raise it so a
 * 16 MiB echo or a 1 000-way fan-out is queued, as ws and the C limit queue everything. */
export const MAX_BACKPRESSURE = 256 * 1024 * 1024;
/** Fan-out topic: "/sub" connections subscribe, messages on "/pub" are published to it. */
export const TOPIC = 'bench';

/**
 * `--tls` before the port: serve wss:// with the test-only localhost certificate of
 * @uws/native's TLS tests (the load generator does not verify it).
 */
export const TLS = process.argv.includes('--tls');
const fixtures = new URL('../../packages/native/test/fixtures/tls/', import.meta.url);
export const TLS_FILES = {
  key: fileURLToPath(new URL('localhost.key', fixtures)),
  cert: fileURLToPath(new URL('localhost.pem', fixtures)),
};
export const tlsPem = () => ({ key: readFileSync(TLS_FILES.key), cert: readFileSync(TLS_FILES.cert) });

export function port() {
  const p = Number(process.argv[process.argv.length - 1] ?? process.env.PORT);
  if (!Number.isInteger(p) || p <= 0 || p > 65535) {
    console.error('usage: node <server>.mjs <port>');
    process.exit(2);
  }
  return p;
}

export function ready(p, detail = '') {
  process.stdout.write(`listening ${p}${detail ? ` ${detail}` : ''}\n`);
}

export function failed(what) {
  console.error(`listen failed: ${what}`);
  process.exit(1);
}

/** 'yes' when `require` (a createRequire of some package) can load module `m`, else 'no': which
 * optional native helpers (bufferutil, utf-8-validate) a server's library actually gets. */
export function loads(require, m) {
  try {
    require(m);
    return 'yes';
  } catch {
    return 'no';
  }
}
