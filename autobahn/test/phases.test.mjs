// How a run is cut into pools, and the reuse of the fuzzer's compressed messages: neither may
// change what the testee receives or which cases run.
import { constants, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../src/catalogue.mjs';
import { cacheStats } from '../src/compressed-message-cache.mjs';
import { CorpusCursor, corpus } from '../src/compression-corpus.mjs';
import { casePhases } from '../src/phases.mjs';
import { FuzzerDeflate } from '../src/permessage-deflate-client.mjs';

const agreement = (/** @type {boolean} */ clientNoContextTakeover) => ({ serverNoContextTakeover: false, clientNoContextTakeover, serverMaxWindowBits: 15, clientMaxWindowBits: 15 });
const inflate = (/** @type {Buffer} */ b) => inflateRawSync(Buffer.concat([b, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH });

describe('phases', () => {
  it('runs every case exactly once: light, then compression grouped by message set, then 9.x', () => {
    const phases = casePhases(CATALOGUE, { concurrency: 8, compressionConcurrency: 4, heavyConcurrency: 1 });
    expect(phases.map(([p, w]) => [p.length, w])).toEqual([[517 - 216 - 54, 8], [216, 4], [54, 1]]);
    expect(phases.flatMap(([p]) => p.map((e) => e.id)).sort()).toEqual(CATALOGUE.map((e) => e.id).sort());
    expect(phases[1][0].every((e) => /^1[23]\./.test(e.id))).toBe(true);
    expect(phases[2][0].every((e) => e.id.startsWith('9.'))).toBe(true);
    // Cases sending the same messages are neighbours: 12.1.10, 12.1.15–18 and 13.x.10, 13.x.15–18.
    const order = phases[1][0].map((e) => e.id);
    const json128k = order.filter((id) => /^(12\.1|13\.\d)\.(10|15|16|17|18)$/.test(id));
    expect(json128k).toHaveLength(40);
    const at = order.indexOf(json128k[0]);
    expect(order.slice(at, at + 40)).toEqual(json128k);
  });

  it('leaves out empty phases and takes the default widths', () => {
    expect(casePhases(CATALOGUE.filter((e) => e.id.startsWith('1.')), {}).map(([p, w]) => [p.length, w])).toEqual([[16, 8]]);
    expect(casePhases(CATALOGUE.filter((e) => e.id.startsWith('13.')), {}).map(([p, w]) => [p.length, w])).toEqual([[126, 4]]);
  });
});

describe('compressed-message cache', () => {
  it('without context takeover gives the bytes a fresh compression gives, and reuses them', () => {
    const a = new FuzzerDeflate(agreement(true), 1);
    const b = new FuzzerDeflate(agreement(true), 1);
    const cursor = new CorpusCursor(corpus('prose'), 4096);
    const before = cacheStats();
    for (let i = 0; i < 20; i++) {
      const msg = cursor.next();
      const key = `test-${cursor.lastKey}`;
      const fresh = Buffer.from(b.compress(msg));
      expect(a.compress(msg, key)).toEqual(fresh);
      expect(a.compress(msg, key)).toEqual(fresh);
      expect(inflate(fresh)).toEqual(msg);
    }
    const after = cacheStats();
    expect(after.misses - before.misses).toBe(20);
    expect(after.hits - before.hits).toBe(20);
    a.close();
    b.close();
  });

  it('is not used with context takeover, where the output depends on earlier messages', () => {
    const d = new FuzzerDeflate(agreement(false), 1);
    const msg = Buffer.from('the same message, twice over, the same message');
    const before = cacheStats();
    const first = Buffer.from(d.compress(msg, 'test-takeover'));
    const second = Buffer.from(d.compress(msg, 'test-takeover'));
    // The second refers back into the first: shorter, and not the same bytes.
    expect(second.length).toBeLessThan(first.length);
    expect(cacheStats().misses).toBe(before.misses);
    expect(cacheStats().hits).toBe(before.hits);
    d.close();
  });
});
