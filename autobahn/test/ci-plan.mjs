// @ts-check
// What CI runs against which testee: the whole catalogue (517 cases, 9.x, 12.x and 13.x
// included) against every server and client testee. Sections 1–10 cost seconds per testee; the
// 216 compression cases cost minutes, mostly zlib work on about 11 GB of echoes per testee. What
// makes them fit (README, CI): one testee per compression setup and role compresses at zlib's
// default and the others, which test the same codec over another transport or API, send and
// receive stored blocks (src/testees.mjs, ZLIB_LEVELS and fuzzerDeflateLevel); the runs go two
// at a time, costliest first.
import { CATALOGUE } from '../src/catalogue.mjs';

export const isCompression = (/** @type {{ id: string }} */ c) => /^1[23]\./.test(c.id);
export const CORE = CATALOGUE.filter((c) => !isCompression(c));
export const COMPRESSION = CATALOGUE.filter(isCompression);

/** Server testees (fuzzing-client mode) in CI, costliest compression run first. */
export const SERVER_TESTEES = ['uws-app-epoll', 'ws-compat-epoll', 'uws-app-epoll-tls', 'uws-app-node', 'ws-compat-node', 'uws-protocol-net'];

/** Client testees (fuzzing-server mode) in CI, costliest compression run first. */
export const CLIENT_TESTEES = ['uws-client-epoll', 'uws-client-node', 'ws-compat-client-epoll', 'ws-compat-client-node'];

/**
 * "Not passing" lines of a run: anything but OK/NON-STRICT/INFORMATIONAL, or a close verdict
 * other than OK/INFORMATIONAL.
 * @param {import('../src/runner.mjs').CaseResult[]} results
 * @param {Set<string>} passing
 */
export const notPassing = (results, passing) =>
  results
    .filter((r) => !passing.has(r.behavior) || !['OK', 'INFORMATIONAL'].includes(r.behaviorClose))
    .map((r) => `${r.id} ${r.behavior}/${r.behaviorClose}: ${r.result} ${r.resultClose}`);
