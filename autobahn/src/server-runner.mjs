// @ts-check
// Fuzzing-server mode with a shipped client testee: our fuzzing server serves the cases, the
// testee drives them (the suite's client flow), and the results are collected per agent.
// The phases are those of client mode (phases.mjs): each is one fuzzing server holding only
// that phase's cases, and one run of the testee with that phase's concurrency.
import { FuzzingServer } from './fuzzing-server.mjs';
import { casePhases } from './phases.mjs';
import { runClientTestee } from './testees.mjs';

/**
 * @typedef {object} ServerModeOptions
 * @property {string} testee              a CLIENT_TESTEES name
 * @property {string} [agent]             default: the testee name
 * @property {string[]} [testeeArgs]      extra testee arguments
 * @property {number} [concurrency]       light cases at once (default 8)
 * @property {number} [compressionConcurrency]  compression cases (12.x, 13.x) at once (default 4)
 * @property {number} [heavyConcurrency]  exclusive cases (9.x) at once (default 1)
 * @property {number} [deflateLevel]      the fuzzer's own zlib level (default 6, as the suite)
 * @property {(r: import('./runner.mjs').CaseResult) => void} [onResult]
 */

/**
 * Runs `entries` against a client testee. Cases the testee never ran are absent from the result.
 * @param {import('./case-builders.mjs').CaseEntry[]} entries
 * @param {ServerModeOptions} o
 * @returns {Promise<import('./runner.mjs').CaseResult[]>}
 */
export async function runClientCases(entries, o) {
  const agent = o.agent ?? o.testee;
  /** @type {import('./runner.mjs').CaseResult[]} */
  const results = [];
  for (const [phase, width] of casePhases(entries, o)) {
    const server = new FuzzingServer(phase, { deflateLevel: o.deflateLevel });
    server.on('result', (a, r) => {
      if (a === agent) o.onResult?.(r);
    });
    const port = await server.listen();
    try {
      const code = await runClientTestee(o.testee, `ws://127.0.0.1:${port}`, agent, width, o.testeeArgs);
      if (code !== 0) throw new Error(`client testee ${o.testee} exited with ${code}`);
    } finally {
      await server.close();
    }
    results.push(...server.resultsOf(agent));
  }
  return results;
}
