import { describe, expect, it } from 'vitest';
import { SlotTable } from '../../src/transport/slot-table.js';

describe('SlotTable', () => {
  it('issues distinct non-zero ids and finds their entries', () => {
    const table = new SlotTable<string>();
    const a = table.add('a');
    const b = table.add('b');
    expect(a).not.toBe(0);
    expect(a).not.toBe(b);
    expect(table.get(a)).toBe('a');
    expect(table.get(b)).toBe('b');
    expect(table.size).toBe(2);
  });

  it('never lets a stale id reach the entry that reuses its slot', () => {
    const table = new SlotTable<string>();
    const old = table.add('old');
    expect(table.delete(old)).toBe('old');
    const fresh = table.add('fresh');
    expect(fresh % 2 ** 22).toBe(old % 2 ** 22); // same slot reused
    expect(fresh).not.toBe(old);
    expect(table.get(old)).toBeUndefined();
    expect(table.delete(old)).toBeUndefined();
    expect(table.get(fresh)).toBe('fresh');
  });

  it('ignores ids it never issued', () => {
    const table = new SlotTable<number>();
    table.add(1);
    for (const id of [0, -1, 1.5, 2 ** 40, Number.NaN]) expect(table.get(id)).toBeUndefined();
  });

  it('visits live entries', () => {
    const table = new SlotTable<number>();
    const ids = [1, 2, 3].map((n) => table.add(n));
    table.delete(ids[1]);
    const seen: number[] = [];
    table.forEach((v) => seen.push(v));
    expect(seen.sort()).toEqual([1, 3]);
  });
});
