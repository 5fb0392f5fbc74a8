// Fuzzing-server mode: every client testee we ship passes the catalogue played from the server
// side — no FAILED, no UNIMPLEMENTED, no missing case, close behaviour OK (INFORMATIONAL where
// the suite makes it so), on the whole catalogue (ci-plan.mjs).
import { describe, expect, it } from 'vitest';
import { runClientCases } from '../src/server-runner.mjs';
import { CONFORMANT_CLIENT_TESTEES, fuzzerDeflateLevel } from '../src/testees.mjs';
import { PASSING } from '../src/verdicts.mjs';
import { CLIENT_TESTEES, COMPRESSION, CORE, notPassing } from './ci-plan.mjs';

/**
 * Runs `cases` against a client testee and asserts every one passes and none is missing.
 * @param {string} testee @param {import('../src/case-builders.mjs').CaseEntry[]} cases
 */
async function expectConformant(testee, cases) {
  // The fuzzer's own zlib level does not change what the client must do; 1, or 0 for the
  // testees that compress at 0 (src/testees.mjs).
  const results = await runClientCases(cases, { testee, concurrency: 8, compressionConcurrency: 6, heavyConcurrency: 1, deflateLevel: fuzzerDeflateLevel(testee) });
  expect(notPassing(results, PASSING)).toEqual([]);
  expect(results.map((r) => r.id).sort()).toEqual(cases.map((c) => c.id).sort());
}

describe('client conformance (fuzzing-server mode)', () => {
  it('CI runs the whole catalogue against every conformant client testee', () => {
    expect([...CLIENT_TESTEES].sort()).toEqual([...CONFORMANT_CLIENT_TESTEES].sort());
    expect(CORE.length + COMPRESSION.length).toBe(517);
  });

  describe('sections 1–10', () => {
    for (const testee of CLIENT_TESTEES) {
      it(`${testee} passes all ${CORE.length} cases`, () => expectConformant(testee, CORE));
    }
  });

  describe.concurrent('compression (12.x, 13.x)', () => {
    for (const testee of CLIENT_TESTEES) {
      it(`${testee} passes all ${COMPRESSION.length} compression cases`, () => expectConformant(testee, COMPRESSION));
    }
  });
});
