// The catalogue has the suite's case ids, order and counts.
import { describe, expect, it } from 'vitest';
import { CATALOGUE, compareCaseIds, selectCases } from '../src/catalogue.mjs';

const count = (/** @type {string} */ prefix) => CATALOGUE.filter((c) => c.id.startsWith(prefix)).length;

describe('catalogue', () => {
  it('has the 517 server-side cases with the per-section counts of the suite', () => {
    expect(CATALOGUE).toHaveLength(517);
    const perSection = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7', '9', '10', '12', '13'].map((s) => [s, count(`${s}.`)]));
    expect(perSection).toEqual({ 1: 16, 2: 11, 3: 7, 4: 10, 5: 20, 6: 145, 7: 37, 9: 54, 10: 1, 12: 90, 13: 126 });
  });

  it('has the suite subsection sizes', () => {
    expect([count('6.1.'), count('6.2.'), count('6.3.'), count('6.4.')]).toEqual([3, 4, 2, 4]);
    const utf8 = Array.from({ length: 19 }, (_, i) => count(`6.${i + 5}.`));
    expect(utf8).toEqual([5, 11, 4, 2, 4, 3, 5, 8, 5, 10, 1, 3, 5, 5, 5, 7, 8, 34, 7]);
    expect([count('7.1.'), count('7.3.'), count('7.5.'), count('7.7.'), count('7.9.'), count('7.13.')]).toEqual([6, 6, 1, 13, 9, 2]);
    expect([count('9.1.'), count('9.2.'), count('9.3.'), count('9.4.'), count('9.5.'), count('9.6.'), count('9.7.'), count('9.8.')]).toEqual([6, 6, 9, 9, 6, 6, 6, 6]);
    for (let j = 1; j <= 5; j++) expect(count(`12.${j}.`)).toBe(18);
    for (let j = 1; j <= 7; j++) expect(count(`13.${j}.`)).toBe(18);
  });

  it('has unique ids in ascending order', () => {
    const ids = CATALOGUE.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort(compareCaseIds)).toEqual(ids);
  });

  it('selects with the suite wildcards', () => {
    expect(selectCases(['6.4.*']).map((c) => c.id)).toEqual(['6.4.1', '6.4.2', '6.4.3', '6.4.4']);
    expect(selectCases(['*'], ['12.*', '13.*'])).toHaveLength(517 - 216);
    expect(selectCases(['9.7.3']).map((c) => c.id)).toEqual(['9.7.3']);
  });
});
