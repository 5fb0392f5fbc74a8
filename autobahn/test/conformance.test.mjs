// Every server testee we ship passes the catalogue: no FAILED, no UNIMPLEMENTED, no missing
// case, close behaviour OK (INFORMATIONAL where the suite makes it so), on the whole catalogue
// (ci-plan.mjs).
import { describe, expect, it } from 'vitest';
import { runCases } from '../src/runner.mjs';
import { CONFORMANT_TESTEES, fuzzerDeflateLevel, startTestee } from '../src/testees.mjs';
import { PASSING } from '../src/verdicts.mjs';
import { COMPRESSION, CORE, SERVER_TESTEES, notPassing } from './ci-plan.mjs';

/**
 * Runs `cases` against a fresh testee and asserts every one passes and none is missing.
 * @param {string} name
 * @param {import('../src/case-builders.mjs').CaseEntry[]} cases
 */
async function expectConformant(name, cases) {
  const testee = await startTestee(name);
  try {
    // The fuzzer's own zlib level does not change what the server must do (inflate what it
    // gets); 1, or 0 for the testees that compress at 0 (src/testees.mjs).
    const results = await runCases(cases, {
      host: '127.0.0.1', port: testee.port, tls: name.endsWith('-tls'),
      concurrency: 8, compressionConcurrency: 6, heavyConcurrency: 1, deflateLevel: fuzzerDeflateLevel(name),
    });
    expect(notPassing(results, PASSING)).toEqual([]);
    expect(results.map((r) => r.id).sort()).toEqual(cases.map((c) => c.id).sort());
  } finally {
    await testee.stop();
  }
}

describe('server conformance', () => {
  it('CI runs the whole catalogue against every conformant testee and the wss:// App', () => {
    expect(CORE).toHaveLength(301);
    expect(COMPRESSION).toHaveLength(216);
    expect([...SERVER_TESTEES].sort()).toEqual([...CONFORMANT_TESTEES, 'uws-app-epoll-tls'].sort());
  });

  // One testee at a time: 9.x pushes megabytes through 1 s close-handshake windows.
  describe('sections 1–10', () => {
    for (const name of SERVER_TESTEES) {
      it(`${name} passes all ${CORE.length} cases`, () => expectConformant(name, CORE));
    }
  });

  // Two testees at a time (vitest maxConcurrency), costliest first, each with six cases at
  // once: 1000 round trips per case are bound by wake-up latency on a busy machine, not by CPU
  // alone.
  describe.concurrent('compression (12.x, 13.x)', () => {
    for (const name of SERVER_TESTEES) {
      it(`${name} passes all ${COMPRESSION.length} compression cases`, () => expectConformant(name, COMPRESSION));
    }
  });
});
