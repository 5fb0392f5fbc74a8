// Every testee we ship passes the catalogue: no FAILED, no UNIMPLEMENTED, no missing case,
// close behaviour OK (INFORMATIONAL where the suite makes it so).
//
// Sections 1–10 (301 cases) run against every testee, and over wss:// against the App on the
// native transport. The 216 compression cases (12.x, 13.x)
// move hundreds of megabytes through zlib on both ends (about 3–7 minutes per testee on this
// 2-core machine), so CI runs them against the App on the native transport, the one users
// deploy; `npm run autobahn:table` runs them against every testee.
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../src/catalogue.mjs';
import { runCases } from '../src/runner.mjs';
import { CONFORMANT_TESTEES, startTestee } from '../src/testees.mjs';
import { PASSING } from '../src/verdicts.mjs';

const isCompression = (/** @type {{ id: string }} */ c) => c.id.startsWith('12.') || c.id.startsWith('13.');
const CORE = CATALOGUE.filter((c) => !isCompression(c));
const COMPRESSION = CATALOGUE.filter(isCompression);

/**
 * Runs `cases` against a fresh testee and asserts every one passes and none is missing.
 * @param {string} name
 * @param {typeof CATALOGUE} cases
 * @param {boolean} [tls]  over wss://
 */
async function expectConformant(name, cases, tls = false) {
  const testee = await startTestee(name);
  try {
    // The fuzzer's own zlib level does not change what the server must do (inflate what it
    // gets); level 1 keeps the compression cases fast.
    const results = await runCases(cases, { host: '127.0.0.1', port: testee.port, concurrency: 8, heavyConcurrency: 2, deflateLevel: 1, tls });
    const notPassing = results
      .filter((r) => !PASSING.has(r.behavior) || !['OK', 'INFORMATIONAL'].includes(r.behaviorClose))
      .map((r) => `${r.id} ${r.behavior}/${r.behaviorClose}: ${r.result} ${r.resultClose}`);
    expect(notPassing).toEqual([]);
    expect(results.map((r) => r.id).sort()).toEqual(cases.map((c) => c.id).sort());
  } finally {
    await testee.stop();
  }
}

describe('conformance', () => {
  it('the split covers the whole catalogue', () => {
    expect(CORE.length + COMPRESSION.length).toBe(517);
    expect(COMPRESSION.length).toBe(216);
  });

  // One testee at a time: the 9.x cases push megabytes through a 1 s close-handshake window,
  // and three servers plus the runner on 2 cores can miss it.
  describe('sections 1–10', () => {
    for (const name of CONFORMANT_TESTEES) {
      it(`${name} passes all ${CORE.length} cases`, () => expectConformant(name, CORE));
    }
  });

  // Over wss://: the same cases through the native TLS layer (records split across reads,
  // close_notify on close). The compression cases over TLS run with the CLI.
  it(`uws-app-epoll-tls (wss://) passes all ${CORE.length} cases`, () => expectConformant('uws-app-epoll-tls', CORE, true));

  it(`uws-app-epoll passes all ${COMPRESSION.length} compression cases (12.x, 13.x)`, () => expectConformant('uws-app-epoll', COMPRESSION));
});
