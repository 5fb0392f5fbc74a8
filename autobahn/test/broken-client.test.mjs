// Fuzzing-server mode judges deliberately broken clients exactly as the official suite's
// fuzzing server did: the fixtures hold the official suite's verdicts for these very testees
// (`testees/broken-client.mjs`, with and without `unmasked`), case by case — sections 1–10,
// and for the lax client also 21 compression cases of 12.x/13.x.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, compareCaseIds } from '../src/catalogue.mjs';
import { runClientCases } from '../src/server-runner.mjs';

/** @param {string} name @returns {Record<string, [string, string]>} */
const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.official-verdicts.json`, import.meta.url), 'utf8'));
const isCompression = (/** @type {{ id: string }} */ c) => /^1[23]\./.test(c.id);

describe('broken client testees', () => {
  it('a client without UTF-8 or close-code checks and without compression gets the official verdicts', async () => {
    const official = fixture('broken-client');
    const results = await runClientCases(CATALOGUE, { testee: 'broken-client', concurrency: 8, heavyConcurrency: 2, deflateLevel: 1 });
    const ours = Object.fromEntries(results.map((r) => [r.id, [r.behavior, r.behaviorClose]]));
    expect(Object.keys(ours).sort()).toEqual(CATALOGUE.map((c) => c.id).sort());
    expect(Object.fromEntries(Object.keys(official).map((id) => [id, ours[id]]))).toEqual(official);
    // It offers no permessage-deflate: every compression case is UNIMPLEMENTED (closed cleanly).
    const compression = CATALOGUE.filter(isCompression).map((c) => ours[c.id]);
    expect(compression).toHaveLength(216);
    expect(compression.every(([b, c]) => b === 'UNIMPLEMENTED' && c === 'OK')).toBe(true);
    // Where it is broken: the invalid UTF-8 of 6.x is echoed, bad close codes and reasons are echoed.
    const failed = Object.entries(ours).filter(([, [b]]) => b === 'FAILED').map(([id]) => id).sort(compareCaseIds);
    expect(failed.filter((id) => id.startsWith('6.'))).toHaveLength(75);
    expect(failed.filter((id) => id.startsWith('7.'))).toEqual(['7.5.1', ...Array.from({ length: 9 }, (_, i) => `7.9.${i + 1}`)]);
    expect(failed).toHaveLength(85);
  });

  it('a client that does not mask its frames is failed wherever it sends one', async () => {
    const official = fixture('unmasked-client');
    const cases = CATALOGUE.filter((c) => !isCompression(c));
    const results = await runClientCases(cases, { testee: 'broken-client', agent: 'unmasked-client', testeeArgs: ['unmasked'], concurrency: 8, heavyConcurrency: 2, deflateLevel: 1 });
    const ours = Object.fromEntries(results.map((r) => [r.id, [r.behavior, r.behaviorClose]]));
    expect(ours).toEqual(official);
    // Every echo is refused: no case where the client must echo a message passes.
    expect(ours['1.1.1']).toEqual(['FAILED', 'UNCLEAN']);
    expect(Object.values(ours).filter(([, c]) => c === 'OK' || c === 'INFORMATIONAL')).toHaveLength(15);
  });
});
