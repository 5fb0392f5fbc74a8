import { describe, expect, it } from 'vitest';
import { SlotOwners } from '../../src/transport/slot-owners.js';

describe('SlotOwners', () => {
  it('gives each slot its owner, across growth, and undefined where none was set', () => {
    const a = { name: 'a' };
    const b = { name: 'b' };
    const owners = new SlotOwners<object>();
    const at = [0, 1, 1023, 1024, 5000, 2 ** 22 - 1];
    at.forEach((slot, i) => owners.set(slot, i % 2 === 0 ? a : b));
    at.forEach((slot, i) => expect(owners.get(slot)).toBe(i % 2 === 0 ? a : b));
    expect(owners.get(2)).toBeUndefined();
    expect(owners.get(2 ** 22)).toBeUndefined();
    expect(owners.ownerCount).toBe(2);
  });

  it('lets go of an owner when its last slot is cleared, and reuses its number for the next', () => {
    const a = { name: 'a' };
    const b = { name: 'b' };
    const c = { name: 'c' };
    const owners = new SlotOwners<object>();
    owners.set(3, a);
    owners.set(4, a);
    owners.set(5, b);
    owners.set(3, undefined);
    expect(owners.ownerCount).toBe(2);
    owners.set(4, b); // a's last slot moves to b
    expect(owners.ownerCount).toBe(1);
    expect(owners.get(4)).toBe(b);
    owners.set(6, c);
    expect(owners.get(6)).toBe(c);
    expect(owners.get(5)).toBe(b);
    expect(owners.ownerCount).toBe(2);
    owners.set(4, undefined);
    owners.set(5, undefined);
    owners.set(6, undefined);
    owners.set(6, undefined); // clearing an empty slot changes nothing
    expect(owners.ownerCount).toBe(0);
    expect(owners.get(6)).toBeUndefined();
  });

  it('counts a slot set twice to the same owner once', () => {
    const a = { name: 'a' };
    const owners = new SlotOwners<object>();
    owners.set(9, a);
    owners.set(9, a);
    owners.set(9, undefined);
    expect(owners.ownerCount).toBe(0);
  });
});
