// The runner judges a deliberately broken server (no UTF-8 check, no close-code validation,
// no permessage-deflate) exactly as the official suite did: the fixture holds the official
// suite's verdicts for this very testee, case by case.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../src/catalogue.mjs';
import { runCases } from '../src/runner.mjs';
import { startTestee } from '../src/testees.mjs';

/** @type {Record<string, [string, string]>} */
const official = JSON.parse(readFileSync(new URL('./fixtures/broken-echo.official-verdicts.json', import.meta.url), 'utf8'));

describe('broken testee', () => {
  /** @type {{ port: number, stop: () => Promise<void> }} */
  let testee;
  beforeAll(async () => {
    testee = await startTestee('broken-echo');
  });
  afterAll(() => testee?.stop());

  it('gets the official verdict on every case', async () => {
    const results = await runCases(CATALOGUE, { host: '127.0.0.1', port: testee.port, concurrency: 16, heavyConcurrency: 2, deflateLevel: 1 });
    const ours = Object.fromEntries(results.map((r) => [r.id, [r.behavior, r.behaviorClose]]));
    expect(ours).toEqual(official);
  });

  it('is judged where it is broken', () => {
    const failed = Object.entries(official).filter(([, [b]]) => b === 'FAILED').map(([id]) => id);
    // Invalid UTF-8 (6.3, 6.4 fail-fast, the invalid 6.x sequences), an invalid close reason
    // (7.5.1) and invalid close codes (7.9.x) are not caught.
    expect(failed.filter((id) => id.startsWith('6.')).length).toBe(75);
    expect(failed).toContain('7.5.1');
    expect(failed.filter((id) => id.startsWith('7.9.'))).toHaveLength(9);
    // No deflate: all of 12 and 13 unimplemented.
    const unimplemented = Object.entries(official).filter(([, [b]]) => b === 'UNIMPLEMENTED').map(([id]) => id);
    expect(unimplemented).toHaveLength(216);
    expect(unimplemented.every((id) => id.startsWith('12.') || id.startsWith('13.'))).toBe(true);
  });
});
