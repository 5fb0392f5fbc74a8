// @ts-check
// The UTF-8 decoder test sequences behind cases 6.5 onwards (after Markus Kuhn's
// UTF-8-test.txt), in the suite's order: one group per subsection 6.N, one case per sequence,
// each valid (echoed) or invalid (the server must fail with 1007).

/** @typedef {{ title: string, sequences: [boolean, string][] }} Utf8Group  sequences: [valid, hex] */

const KOSME = 'cebae1bdb9cf83cebcceb5'; // "κόσμε"

/** Prefixes of KOSME: valid exactly when they end on a code point boundary. */
function kosmePrefixes() {
  const boundaries = new Set([2, 5, 7, 9, 11]); // byte lengths ending a whole code point
  /** @type {[boolean, string][]} */
  const out = [];
  for (let n = 1; n <= 11; n++) out.push([boundaries.has(n), KOSME.slice(0, 2 * n)]);
  return out;
}

const hexRange = (/** @type {number} */ from, /** @type {number} */ to, /** @type {string} */ after = '') => {
  let s = '';
  for (let b = from; b < to; b++) s += b.toString(16).padStart(2, '0') + after; // `to` excluded
  return s;
};

const MISSING_LAST = ['c0', 'e080', 'f08080', 'f8808080', 'fc80808080', 'df', 'efbf', 'f7bfbf', 'fbbfbfbf', 'fdbfbfbfbf'];

function nonCharacters() {
  /** @type {[boolean, string][]} */
  const out = [[true, 'efbfbe'], [true, 'efbfbf']];
  for (const z1 of ['f0', 'f1', 'f2', 'f3', 'f4']) {
    for (const z2 of ['8f', '9f', 'af', 'bf']) {
      if (z1 === 'f4' && z2 !== '8f') continue; // beyond U+10FFFF
      for (const z3 of ['be', 'bf']) {
        const zz = z1 + z2 + 'bf' + z3;
        if (zz === 'f08fbfbe' || zz === 'f08fbfbf') continue; // overlong
        out.push([true, zz]);
      }
    }
  }
  return out;
}

/** @type {Utf8Group[]} */
export const UTF8_GROUPS = [
  { title: 'Some valid UTF-8 sequences', sequences: [[true, '68656c6c6f24776f726c64'], [true, '68656c6c6fc2a2776f726c64'], [true, '68656c6c6fe282ac776f726c64'], [true, '68656c6c6ff0a4ada2776f726c64'], [true, KOSME]] },
  { title: 'All prefixes of a valid UTF-8 string that contains multi-byte code points', sequences: kosmePrefixes() },
  { title: 'First possible sequence of a certain length', sequences: [[true, '00'], [true, 'c280'], [true, 'e0a080'], [true, 'f0908080']] },
  { title: 'First possible sequence length 5/6 (invalid codepoints)', sequences: [[false, 'f888808080'], [false, 'fc8480808080']] },
  { title: 'Last possible sequence of a certain length', sequences: [[true, '7f'], [true, 'dfbf'], [true, 'efbfbf'], [true, 'f48fbfbf']] },
  { title: 'Last possible sequence length 4/5/6 (invalid codepoints)', sequences: [[false, 'f7bfbfbf'], [false, 'fbbfbfbfbf'], [false, 'fdbfbfbfbfbf']] },
  { title: 'Other boundary conditions', sequences: [[true, 'ed9fbf'], [true, 'ee8080'], [true, 'efbfbd'], [true, 'f48fbfbf'], [false, 'f4908080']] },
  {
    title: 'Unexpected continuation bytes',
    sequences: [[false, '80'], [false, 'bf'], [false, '80bf'], [false, '80bf80'], [false, '80bf80bf'], [false, '80bf80bf80'], [false, '80bf80bf80bf'], [false, hexRange(0x80, 0xbf)]],
  },
  {
    title: 'Lonely start characters',
    sequences: [[0xc0, 0xdf], [0xe0, 0xef], [0xf0, 0xf7], [0xf8, 0xfb], [0xfc, 0xfd]].map(([a, b]) => /** @type {[boolean, string]} */ ([false, hexRange(a, b, '20')])),
  },
  { title: 'Sequences with last continuation byte missing', sequences: MISSING_LAST.map((h) => /** @type {[boolean, string]} */ ([false, h])) },
  { title: 'Concatenation of incomplete sequences', sequences: [[false, MISSING_LAST.join('')]] },
  { title: 'Impossible bytes', sequences: [[false, 'fe'], [false, 'ff'], [false, 'fefeffff']] },
  { title: 'Examples of an overlong ASCII character', sequences: [[false, 'c0af'], [false, 'e080af'], [false, 'f08080af'], [false, 'f8808080af'], [false, 'fc80808080af']] },
  { title: 'Maximum overlong sequences', sequences: [[false, 'c1bf'], [false, 'e09fbf'], [false, 'f08fbfbf'], [false, 'f887bfbfbf'], [false, 'fc83bfbfbfbf']] },
  { title: 'Overlong representation of the NUL character', sequences: [[false, 'c080'], [false, 'e08080'], [false, 'f0808080'], [false, 'f880808080'], [false, 'fc8080808080']] },
  { title: 'Single UTF-16 surrogates', sequences: ['eda080', 'edadbf', 'edae80', 'edafbf', 'edb080', 'edbe80', 'edbfbf'].map((h) => /** @type {[boolean, string]} */ ([false, h])) },
  {
    title: 'Paired UTF-16 surrogates',
    sequences: ['eda080edb080', 'eda080edbfbf', 'edadbfedb080', 'edadbfedbfbf', 'edae80edb080', 'edae80edbfbf', 'edafbfedb080', 'edafbfedbfbf'].map((h) => /** @type {[boolean, string]} */ ([false, h])),
  },
  { title: 'Non-character code points (valid UTF-8)', sequences: nonCharacters() },
  { title: 'Unicode specials (i.e. replacement char)', sequences: ['efbfb9', 'efbfba', 'efbfbb', 'efbfbc', 'efbfbd', 'efbfbe', 'efbfbf'].map((h) => /** @type {[boolean, string]} */ ([true, h])) },
];
