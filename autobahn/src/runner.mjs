// @ts-check
// Runs cases against one server and collects the suite's per-case results. Cases run in pools
// of concurrent connections, phase by phase (phases.mjs): each case has its own connection and
// its own timers, so its verdict does not depend on its neighbours as long as the server keeps
// up within the case's limits.
import { FuzzingClientSession } from './fuzzing-client-session.mjs';
import { casePhases } from './phases.mjs';

/**
 * A finished case's result, in either role.
 * @param {string} id
 * @param {import('./case.mjs').Case} k  the case, after its connection was lost
 * @param {number | null} remoteCloseCode
 * @param {number} started  Date.now() when the case began
 * @returns {CaseResult}
 */
export function caseResult(id, k, remoteCloseCode, started) {
  return {
    id,
    behavior: k.behavior,
    behaviorClose: k.behaviorClose,
    remoteCloseCode,
    duration: Date.now() - started,
    result: k.result,
    resultClose: k.resultClose,
  };
}

/**
 * @typedef {object} CaseResult
 * @property {string} id
 * @property {string} behavior
 * @property {string} behaviorClose
 * @property {number | null} remoteCloseCode
 * @property {number} duration  milliseconds, connect to connection lost
 * @property {string} result
 * @property {string} resultClose
 */

/**
 * @typedef {object} RunOptions
 * @property {string} host
 * @property {number} port
 * @property {string} [path]
 * @property {number} [concurrency]       light cases at once (default 8)
 * @property {number} [compressionConcurrency]  compression cases (12.x, 13.x) at once (default 4)
 * @property {number} [heavyConcurrency]  exclusive cases (9.x) at once (default 1)
 * @property {number} [deflateLevel]      the fuzzer's own zlib level (default 6, as the suite)
 * @property {boolean} [tls]              connect with TLS (wss://; the certificate is not verified)
 * @property {(r: CaseResult) => void} [onResult]
 */

/**
 * @param {import('./case-builders.mjs').CaseEntry} entry
 * @param {RunOptions} o
 * @returns {Promise<CaseResult>}
 */
export function runCase(entry, o) {
  return new Promise((resolve) => {
    const started = Date.now();
    /** @type {import('./case.mjs').Case | undefined} */
    let c;
    const session = new FuzzingClientSession(
      { host: o.host, port: o.port, path: o.path, offers: entry.offers, deflateLevel: o.deflateLevel, tls: o.tls },
      {
        onOpen: () => c?.onOpen(),
        onMessage: (payload, binary) => c?.onMessage(payload, binary),
        onPong: (payload) => c?.onPong(payload),
        onConnectionLost: () => {
          const k = /** @type {import('./case.mjs').Case} */ (c);
          k.onConnectionLost();
          resolve(caseResult(entry.id, k, session.remoteCloseCode, started));
        },
      },
    );
    c = entry.make(session);
  });
}

/**
 * @template T, R
 * @param {T[]} items @param {number} width @param {(item: T) => Promise<R>} work
 * @returns {Promise<R[]>}
 */
async function pool(items, width, work) {
  /** @type {R[]} */
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
  return out;
}

/**
 * @param {import('./case-builders.mjs').CaseEntry[]} entries
 * @param {RunOptions} o
 * @returns {Promise<CaseResult[]>}
 */
export async function runCases(entries, o) {
  const one = async (/** @type {import('./case-builders.mjs').CaseEntry} */ e) => {
    const r = await runCase(e, o);
    o.onResult?.(r);
    return r;
  };
  /** @type {CaseResult[]} */
  const results = [];
  for (const [phase, width] of casePhases(entries, o)) results.push(...(await pool(phase, width, one)));
  return results;
}
