// @ts-check
// What CI runs: the whole catalogue (517 cases) against every server testee (the wss:// one
// too) and every client testee. Sections 1–10 (301 cases, 9.x included) cost seconds per
// testee; the 216 compression cases cost minutes, mostly the testee deflating about 11 GB of
// echoes and the fuzzer inflating them, and decide how long CI takes. Two things make that
// cheaper without changing what is checked:
//   - testees that test the same codec over another transport or API compress at zlib level 1,
//     one per compression setup and role at the default (src/testees.mjs, ZLIB_LEVELS);
//   - the compression runs go two at a time (vitest maxConcurrency, both cores), costliest
//     first, so the last pair ends close together: the ones at level 6 (App over TLS, then the
//     other App and default-level testees) before the ones at level 1.
import { CATALOGUE } from '../src/catalogue.mjs';

export const isCompression = (/** @type {{ id: string }} */ c) => /^1[23]\./.test(c.id);
export const CORE = CATALOGUE.filter((c) => !isCompression(c));
export const COMPRESSION = CATALOGUE.filter(isCompression);

/** Server testees (fuzzing-client mode) in CI, costliest compression run first. */
export const SERVER_TESTEES = ['uws-app-epoll-tls', 'uws-app-epoll', 'uws-app-node', 'ws-compat-epoll', 'ws-compat-node', 'uws-protocol-net'];

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
