import { describe, expect, it } from 'vitest';
import { HubEntries } from '../src/hub-entries.js';

const SPAN = 2 ** 22;
const id = (generation: number, slot: number): number => generation * SPAN + slot;

describe('HubEntries', () => {
  it('stores, finds and forgets entries by id, whatever the slot', () => {
    const t = new HubEntries<string>();
    for (const slot of [0, 1, 63, 64, 1000, SPAN - 1]) {
      t.set(id(1, slot), `a${slot}`);
      expect(t.get(id(1, slot))).toBe(`a${slot}`);
    }
    expect(t.get(id(1, 2))).toBeUndefined();
    expect(t.delete(id(1, 1000))).toBe(true);
    expect(t.delete(id(1, 1000))).toBe(false);
    expect(t.get(id(1, 1000))).toBeUndefined();
    expect(t.get(id(1, 64))).toBe('a64');
  });

  it('never answers a stale id with the entry of the slot reused by a later one', () => {
    const t = new HubEntries<string>();
    t.set(id(1, 5), 'old');
    t.delete(id(1, 5));
    t.set(id(2, 5), 'new');
    expect(t.get(id(1, 5))).toBeUndefined();
    expect(t.delete(id(1, 5))).toBe(false);
    expect(t.get(id(2, 5))).toBe('new');
  });

  it('keeps two live ids of one slot, and negative ids, apart (overflow)', () => {
    const t = new HubEntries<string>();
    t.set(id(1, 7), 'first');
    t.set(id(2, 7), 'second');
    t.set(-3, 'foreign');
    expect([t.get(id(1, 7)), t.get(id(2, 7)), t.get(-3)]).toEqual(['first', 'second', 'foreign']);
    t.set(id(2, 7), 'second again');
    expect(t.get(id(2, 7))).toBe('second again');
    expect(t.delete(id(2, 7))).toBe(true);
    expect(t.delete(-3)).toBe(true);
    expect([t.get(id(1, 7)), t.get(id(2, 7)), t.get(-3)]).toEqual(['first', undefined, undefined]);
  });
});
