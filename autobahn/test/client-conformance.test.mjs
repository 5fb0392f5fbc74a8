// Fuzzing-server mode: every client testee we ship passes the catalogue played from the server
// side — no FAILED, no UNIMPLEMENTED, no missing case, close behaviour OK (INFORMATIONAL where
// the suite makes it so). Which compression cases run against which testee:
// ci-plan.mjs.
import { describe, expect, it } from 'vitest';
import { runClientCases } from '../src/server-runner.mjs';
import { CONFORMANT_CLIENT_TESTEES } from '../src/testees.mjs';
import { PASSING } from '../src/verdicts.mjs';
import { CLIENT_TESTEES, COMPRESSION, CORE, WHOLE, compressionCasesFor, notPassing } from './ci-plan.mjs';

/**
 * Runs `cases` against a client testee and asserts every one passes and none is missing.
 * @param {string} testee @param {import('../src/case-builders.mjs').CaseEntry[]} cases
 */
async function expectConformant(testee, cases) {
  // The fuzzer's own zlib level does not change what the client must do; level 1 is faster.
  const results = await runClientCases(cases, { testee, concurrency: 8, compressionConcurrency: 6, heavyConcurrency: 1, deflateLevel: 1 });
  expect(notPassing(results, PASSING)).toEqual([]);
  expect(results.map((r) => r.id).sort()).toEqual(cases.map((c) => c.id).sort());
}

describe('client conformance (fuzzing-server mode)', () => {
  it('CI runs sections 1–10 against every conformant client testee, all 216 compression cases against uws-client-epoll', () => {
    expect([...CLIENT_TESTEES].sort()).toEqual([...CONFORMANT_CLIENT_TESTEES].sort());
    expect(CORE.length + COMPRESSION.length).toBe(517);
    const whole = CLIENT_TESTEES.filter((name) => compressionCasesFor(name) === COMPRESSION);
    expect(whole).toEqual(WHOLE ? CLIENT_TESTEES : ['uws-client-epoll']);
  });

  describe('sections 1–10', () => {
    for (const testee of CLIENT_TESTEES) {
      it(`${testee} passes all ${CORE.length} cases`, () => expectConformant(testee, CORE));
    }
  });

  describe.concurrent('compression (12.x, 13.x)', () => {
    for (const testee of CLIENT_TESTEES) {
      const cases = compressionCasesFor(testee);
      it(`${testee} passes ${cases.length} compression cases`, () => expectConformant(testee, cases));
    }
  });
});
