// Fuzzing-server mode: the `Client` of @uws/native passes the catalogue played from the server
// side — no FAILED, no UNIMPLEMENTED, no missing case, close behaviour OK (INFORMATIONAL where
// the suite makes it so).
//
// Sections 1–10 (301 cases) run on both transports. Of the 216 compression cases, CI runs the
// 156 whose messages are at most 64 KiB (x.y.1–9 and x.y.11–14) on the epoll transport, about
// 3 minutes on this 2-core machine; the other 60 (x.y.10, x.y.15–18: 1000 messages of 128 KiB
// each, 131 MB per case through zlib on both ends) take about 6 more minutes, so they run with
// `npm run autobahn:table`, which runs all 517 against every client testee.
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../src/catalogue.mjs';
import { runClientCases } from '../src/server-runner.mjs';
import { CONFORMANT_CLIENT_TESTEES } from '../src/testees.mjs';
import { PASSING } from '../src/verdicts.mjs';

const isCompression = (/** @type {{ id: string }} */ c) => /^1[23]\./.test(c.id);
const CORE = CATALOGUE.filter((c) => !isCompression(c));
const LARGE_MESSAGE_CASES = new Set([10, 15, 16, 17, 18]);
const COMPRESSION_CI = CATALOGUE.filter((c) => isCompression(c) && !LARGE_MESSAGE_CASES.has(Number(c.id.split('.')[2])));

/**
 * Runs `cases` against a client testee and asserts every one passes and none is missing.
 * @param {string} testee @param {typeof CATALOGUE} cases
 */
async function expectConformant(testee, cases) {
  // The fuzzer's own zlib level does not change what the client must do; level 1 is faster.
  const results = await runClientCases(cases, { testee, concurrency: 8, heavyConcurrency: 2, deflateLevel: 1 });
  const notPassing = results
    .filter((r) => !PASSING.has(r.behavior) || !['OK', 'INFORMATIONAL'].includes(r.behaviorClose))
    .map((r) => `${r.id} ${r.behavior}/${r.behaviorClose}: ${r.result} ${r.resultClose}`);
  expect(notPassing).toEqual([]);
  expect(results.map((r) => r.id).sort()).toEqual(cases.map((c) => c.id).sort());
}

describe('client conformance (fuzzing-server mode)', () => {
  it('the CI split of the compression cases', () => {
    expect(CORE).toHaveLength(301);
    expect(COMPRESSION_CI).toHaveLength(156);
  });

  for (const testee of CONFORMANT_CLIENT_TESTEES) {
    it(`${testee} passes all ${CORE.length} cases of sections 1–10`, () => expectConformant(testee, CORE));
  }

  it(`uws-client-epoll passes ${COMPRESSION_CI.length} compression cases (12.x, 13.x up to 64 KiB messages)`, () =>
    expectConformant('uws-client-epoll', COMPRESSION_CI));
});
