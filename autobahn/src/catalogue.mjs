// @ts-check
// The server-side case catalogue in the suite's order, and case selection with the suite's
// wildcard syntax ("*", "6.*", "9.7.3").
import { section1 } from './cases/section1-framing.mjs';
import { section2 } from './cases/section2-pings.mjs';
import { section3 } from './cases/section3-reserved-bits.mjs';
import { section4 } from './cases/section4-opcodes.mjs';
import { section5 } from './cases/section5-fragmentation.mjs';
import { section6 } from './cases/section6-utf8.mjs';
import { section7 } from './cases/section7-close.mjs';
import { section9 } from './cases/section9-limits.mjs';
import { section10 } from './cases/section10-autofragmentation.mjs';
import { section12, section13 } from './cases/section12-13-deflate.mjs';

/** @type {import('./case-builders.mjs').CaseEntry[]} */
export const CATALOGUE = [
  ...section1, ...section2, ...section3, ...section4, ...section5, ...section6, ...section7,
  ...section9, ...section10, ...section12, ...section13,
];

/** @param {string} pattern */
function toRegExp(pattern) {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/**
 * The entries matching any of `cases` and none of `exclude`, in catalogue order.
 * @param {string[]} cases @param {string[]} [exclude]
 */
export function selectCases(cases, exclude = []) {
  const inc = cases.map(toRegExp);
  const exc = exclude.map(toRegExp);
  return CATALOGUE.filter((c) => inc.some((r) => r.test(c.id)) && !exc.some((r) => r.test(c.id)));
}

/** Natural order of case ids ("9.10" after "9.9"). @param {string} a @param {string} b */
export function compareCaseIds(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}
