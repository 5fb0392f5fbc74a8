// @ts-check
// What CI runs against which testee. Sections 1–10 (301 cases, 9.x included) cost seconds per
// testee and run against every one. The 216 compression cases cost minutes per testee, mostly
// the testee deflating about 11 GB of echoes and the fuzzer inflating them: all 216 against all
// ten testees measured 2 642 CPU-seconds (39.7 min of wall time on the shared 2-core machine),
// far past CI's budget. So CI runs all 216 against one testee per compression setup and role —
// the App (no context takeover), the ws-compat server (context takeover, per-socket windows) and
// the native Client, each on epoll — and the 108 cases with messages of up to 64 KiB that are
// not auto-fragmented (x.y.1–9: every payload kind, every offer of 13.x) against the other
// seven. AUTOBAHN_WHOLE=1 runs all 517 against every testee (as `npm run autobahn:table` does).
// Testees that test the same codec over another transport or API compress at zlib level 1
// (src/testees.mjs, ZLIB_LEVELS); the runs go two at a time, costliest first.
import { CATALOGUE } from '../src/catalogue.mjs';

export const isCompression = (/** @type {{ id: string }} */ c) => /^1[23]\./.test(c.id);
export const CORE = CATALOGUE.filter((c) => !isCompression(c));
export const COMPRESSION = CATALOGUE.filter(isCompression);

/** x.y.1–9: 16 B to 64 KiB, whole messages. */
export const COMPRESSION_SMALL = COMPRESSION.filter((c) => Number(c.id.split('.')[2]) <= 9);

/** Every testee gets the whole catalogue when this is set. */
export const WHOLE = process.env.AUTOBAHN_WHOLE === '1';

/** Server testees (fuzzing-client mode) in CI, costliest compression run first. */
export const SERVER_TESTEES = ['uws-app-epoll', 'ws-compat-epoll', 'uws-app-epoll-tls', 'uws-app-node', 'ws-compat-node', 'uws-protocol-net'];

/** Client testees (fuzzing-server mode) in CI, costliest compression run first. */
export const CLIENT_TESTEES = ['uws-client-epoll', 'uws-client-node', 'ws-compat-client-epoll', 'ws-compat-client-node'];

/** The testees that run all 216 compression cases in CI. */
export const WHOLE_IN_CI = new Set(['uws-app-epoll', 'ws-compat-epoll', 'uws-client-epoll']);

/** The compression cases CI runs against `testee`. @param {string} testee */
export const compressionCasesFor = (testee) => (WHOLE || WHOLE_IN_CI.has(testee) ? COMPRESSION : COMPRESSION_SMALL);

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
