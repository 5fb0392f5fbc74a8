// @ts-check
// The payloads of the compression cases (12.x/13.x). The suite ships five third-party files
// (a JSON report, a bitmap, a German novel, an HTML page, a PDF); we generate stand-ins of the
// same kind, size and compressibility from a fixed seed instead, so runs are reproducible and
// the repository carries no third-party data. Text corpora contain multi-byte UTF-8, and text
// messages are cut on code points, as the suite cuts them on characters.
import { Buffer } from 'node:buffer';

/** mulberry32: a tiny deterministic PRNG. @param {number} seed */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['der', 'die', 'und', 'nicht', 'Geist', 'Welt', 'schön', 'Größe', 'über', 'Mädchen', 'Straße',
  'ich', 'habe', 'nun', 'ach', 'Philosophie', 'Juristerei', 'Medizin', 'leider', 'auch', 'Theologie', 'durchaus',
  'studiert', 'mit', 'heißem', 'Bemühn', 'da', 'steh', 'armer', 'Tor', 'bin', 'so', 'klug', 'als', 'wie', 'zuvor'];

/** @param {() => number} r @param {number} n */
const words = (r, n) => Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');

/** A report-like JSON document (~190 KB, ASCII). */
function jsonCorpus() {
  const r = prng(1);
  /** @type {Record<string, Record<string, object>>} */
  const doc = {};
  const verdicts = ['OK', 'NON-STRICT', 'INFORMATIONAL', 'UNIMPLEMENTED', 'FAILED'];
  for (let a = 0; a < 3; a++) {
    /** @type {Record<string, object>} */
    const agent = {};
    doc[`Agent-${a}/0.${a}.0`] = agent;
    for (let i = 0; i < 517; i++) {
      agent[`${1 + (i % 13)}.${1 + (i % 7)}.${i}`] = {
        behavior: verdicts[Math.floor(r() * r() * 5)],
        behaviorClose: r() < 0.9 ? 'OK' : 'UNCLEAN',
        duration: Math.floor(r() * 2000),
        remoteCloseCode: r() < 0.8 ? 1000 : 1002,
        reportfile: `agent_${a}_case_${i}.json`,
      };
    }
  }
  return Buffer.from(JSON.stringify(doc, null, 3), 'utf8');
}

/** A 512×512 8-bit grayscale bitmap of smooth shapes and sensor noise (~263 KB). */
function bitmapCorpus() {
  const r = prng(2);
  const w = 512;
  const header = Buffer.alloc(1078); // BMP header + 256-entry palette, as an 8-bit BMP has
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(1078 + w * w, 2);
  header.writeUInt32LE(1078, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(w, 18);
  header.writeInt32LE(w, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(8, 28);
  for (let i = 0; i < 256; i++) header.writeUInt32LE(i * 0x010101, 54 + 4 * i);
  const px = Buffer.alloc(w * w);
  for (let y = 0; y < w; y++)
    for (let x = 0; x < w; x++) {
      const v = 128 + 60 * Math.sin(x / 37) * Math.cos(y / 23) + 40 * Math.sin((x + y) / 91) + (r() - 0.5) * 24;
      px[y * w + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  return Buffer.concat([header, px]);
}

/** Verse-like German prose (~220 KB, UTF-8; sent as binary, like the suite's novel). */
function proseCorpus() {
  const r = prng(3);
  const lines = [];
  let size = 0;
  while (size < 222000) {
    const line = r() < 0.1 ? `FAUST:` : words(r, 4 + Math.floor(r() * 8)) + (r() < 0.5 ? ',' : '!');
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return Buffer.from(lines.join('\n'), 'utf8');
}

/** An HTML page with tables and some non-ASCII text (~263 KB). */
function htmlCorpus() {
  const r = prng(4);
  const parts = ['<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Report – Übersicht</title></head><body>\n'];
  let size = 0;
  for (let i = 0; size < 262000; i++) {
    const row = `<tr class="${r() < 0.5 ? 'even' : 'odd'}"><td>${i}</td><td>${words(r, 3)}</td><td style="color:#${Math.floor(r() * 0xffffff).toString(16).padStart(6, '0')}">${r() < 0.9 ? 'OK' : 'Fehler – “kaputt”'}</td></tr>\n`;
    parts.push(row);
    size += Buffer.byteLength(row);
  }
  parts.push('</body></html>\n');
  return Buffer.from(parts.join(''), 'utf8');
}

/** A PDF-like mix of text streams and incompressible binary streams (~1 MB). */
function documentCorpus() {
  const r = prng(5);
  const parts = [Buffer.from('%PDF-1.4\n', 'latin1')];
  let size = 0;
  for (let obj = 1; size < 1040000; obj++) {
    const body =
      r() < 0.5
        ? Buffer.from(`${obj} 0 obj\n<< /Length 4096 >>\nstream\nBT /F1 12 Tf (${words(r, 600)}) Tj ET\nendstream\nendobj\n`, 'latin1')
        : Buffer.from(Array.from({ length: 4096 }, () => Math.floor(r() * 256)));
    parts.push(body);
    size += body.length;
  }
  return Buffer.concat(parts);
}

/**
 * @typedef {object} Corpus
 * @property {string} name
 * @property {boolean} binary   sent as binary messages (else text)
 * @property {Buffer} data
 * @property {Uint32Array} [points]  byte offset of each code point (text corpora), plus the end
 */

/** @param {Buffer} data */
function codePointOffsets(data) {
  const offsets = [];
  for (let i = 0; i < data.length; i++) if ((data[i] & 0xc0) !== 0x80) offsets.push(i);
  offsets.push(data.length);
  return Uint32Array.from(offsets);
}

/** @type {Map<string, Corpus>} */
const cache = new Map();

/** The corpora in the suite's order for 12.1 … 12.5; 13.x uses the first. */
export const CORPUS_NAMES = ['json', 'bitmap', 'prose', 'html', 'document'];

/** @param {string} name @returns {Corpus} */
export function corpus(name) {
  let c = cache.get(name);
  if (c) return c;
  const make = { json: jsonCorpus, bitmap: bitmapCorpus, prose: proseCorpus, html: htmlCorpus, document: documentCorpus }[name];
  if (!make) throw new Error(`unknown corpus ${name}`);
  const binary = name === 'bitmap' || name === 'prose' || name === 'document';
  const data = make();
  c = { name, binary, data, points: binary ? undefined : codePointOffsets(data) };
  cache.set(name, c);
  return c;
}

/**
 * Cuts consecutive messages of `length` units (bytes, or code points for text) from a corpus,
 * wrapping around at its end, as the suite does.
 */
export class CorpusCursor {
  /** @param {Corpus} c @param {number} length */
  constructor(c, length) {
    this.c = c;
    this.length = length;
    this.units = c.points ? c.points.length - 1 : c.data.length;
    this.at = 0;
    /** Names the bytes next() returned last (corpus, start, length): equal names, equal bytes. */
    this.lastKey = '';
  }

  next() {
    const from = this.at;
    const to = (from + this.length) % this.units;
    this.at = to;
    this.lastKey = `${this.c.name}@${from}+${this.length}`;
    const byteAt = (/** @type {number} */ u) => (this.c.points ? this.c.points[u] : u);
    if (to > from) return this.c.data.subarray(byteAt(from), byteAt(to));
    return Buffer.concat([this.c.data.subarray(byteAt(from)), this.c.data.subarray(0, byteAt(to))]);
  }
}
