// Running cases side by side (the runner's pools) gives the verdicts of running them one at a
// time, as the official suite does: the same behaviour, close behaviour and close code for
// every case of a sample that has each phase in it — framing, fail-fast UTF-8 with delays,
// close handling, 9.x round trips and compression with context takeover and window offers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectCases } from '../src/catalogue.mjs';
import { runCases } from '../src/runner.mjs';
import { startTestee } from '../src/testees.mjs';

const SAMPLE = selectCases(['1.*', '2.*', '5.1*', '6.4.*', '7.1.*', '7.9.*', '9.1.1', '9.7.1', '9.8.2', '12.1.1', '12.2.2', '12.5.3', '13.2.1', '13.3.2', '13.5.11', '13.7.1']);

/** @param {import('../src/runner.mjs').CaseResult[]} results */
const verdicts = (results) => Object.fromEntries(results.map((r) => [r.id, [r.behavior, r.behaviorClose, r.remoteCloseCode]]));

describe.each(['uws-app-epoll', 'broken-echo'])('concurrency against %s', (name) => {
  /** @type {{ port: number, stop: () => Promise<void> }} */
  let testee;
  beforeAll(async () => {
    testee = await startTestee(name);
  });
  afterAll(() => testee?.stop());

  it('gives the verdicts of a one-at-a-time run', async () => {
    const o = { host: '127.0.0.1', port: testee.port, deflateLevel: 1 };
    const one = await runCases(SAMPLE, { ...o, concurrency: 1, compressionConcurrency: 1, heavyConcurrency: 1 });
    const wide = await runCases(SAMPLE, { ...o, concurrency: 16, compressionConcurrency: 8, heavyConcurrency: 3 });
    expect(one).toHaveLength(SAMPLE.length);
    expect(verdicts(wide)).toEqual(verdicts(one));
    // The sample judges something: the broken testee fails its UTF-8 and close-code cases,
    // and has no compression (7.1.6 is INFORMATIONAL for everyone).
    const behaviours = new Set(one.map((r) => r.behavior));
    if (name === 'broken-echo') expect([...behaviours].sort()).toEqual(['FAILED', 'INFORMATIONAL', 'OK', 'UNIMPLEMENTED']);
    else expect([...behaviours].sort()).toEqual(['INFORMATIONAL', 'OK']);
  });
});
