import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PagedSlots } from '../../src/transport/paged-slots.js';

describe('PagedSlots', () => {
  it('stores values at any slot, across pages, and reads undefined where nothing was set', () => {
    const slots = new PagedSlots<string>();
    const at = [0, 1, PAGE_SIZE - 1, PAGE_SIZE, 5 * PAGE_SIZE + 3, 2 ** 22 - 1];
    for (const slot of at) slots.set(slot, `v${slot}`);
    for (const slot of at) expect(slots.get(slot)).toBe(`v${slot}`);
    expect(slots.get(2)).toBeUndefined();
    expect(slots.get(3 * PAGE_SIZE)).toBeUndefined(); // a page never allocated
    expect(slots.get(2 ** 22)).toBeUndefined();
  });

  it('clears a slot with undefined, lists the values in slot order, and forgets them all on clear()', () => {
    const slots = new PagedSlots<number>();
    slots.set(2 * PAGE_SIZE, 3);
    slots.set(7, 1);
    slots.set(PAGE_SIZE + 1, 2);
    slots.set(9, 99);
    slots.set(9, undefined);
    expect(slots.get(9)).toBeUndefined();
    expect(slots.values()).toEqual([1, 2, 3]);
    slots.clear();
    expect(slots.values()).toEqual([]);
    expect(slots.get(7)).toBeUndefined();
    slots.set(7, 4);
    expect(slots.values()).toEqual([4]);
  });

  it('does not allocate a page to clear a slot in it', () => {
    const slots = new PagedSlots<number>();
    slots.set(10 * PAGE_SIZE, undefined);
    expect(slots.values()).toEqual([]);
    expect(slots.get(10 * PAGE_SIZE)).toBeUndefined();
  });
});
