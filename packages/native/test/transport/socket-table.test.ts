/**
 * The one socket table: ids it issues (a transport's), ids issued elsewhere (an App's, a hub's,
 * the native loop's owners), stale ids, growth, and ids that do not follow the packing.
 */
import { describe, expect, it } from 'vitest';
import { SocketTable, compactId, generationOf, slotOf, socketId } from '../../src/transport/socket-table.js';

const SPAN = 2 ** 22;
const id = (generation: number, slot: number): number => generation * SPAN + slot;
const entry = (id: number, name = String(id)) => ({ id, name });
/** How many distinct entries the table holds (several sockets may share one owner). */
const distinct = (table: SocketTable<object>): number => new Set(table.values()).size;

describe('SocketTable: ids it issues', () => {
  it('issues distinct non-zero ids and finds their entries', () => {
    const table = new SocketTable<string>();
    const a = table.add('a');
    const b = table.add('b');
    expect(a).not.toBe(0);
    expect(a).not.toBe(b);
    expect(table.get(a)).toBe('a');
    expect(table.get(b)).toBe('b');
    expect(table.size).toBe(2);
  });

  it('never lets a stale id reach the entry that reuses its slot', () => {
    const table = new SocketTable<string>();
    const old = table.add('old');
    expect(table.delete(old)).toBe('old');
    const fresh = table.add('fresh');
    expect(fresh % 2 ** 22).toBe(old % 2 ** 22); // same slot reused
    expect(fresh).not.toBe(old);
    expect(table.get(old)).toBeUndefined();
    expect(table.delete(old)).toBeUndefined();
    expect(table.get(fresh)).toBe('fresh');
  });

  it('gives a reused slot the next generation every time, so no earlier id of it ever matches', () => {
    const table = new SocketTable<number>();
    const issued: number[] = [];
    for (let i = 0; i < 50; i++) {
      const got = table.add(i);
      issued.push(got);
      expect(table.delete(got)).toBe(i);
    }
    expect(new Set(issued.map(slotOf))).toEqual(new Set([slotOf(issued[0])]));
    expect(issued.map(generationOf)).toEqual(issued.map((_, i) => i + 1));
    const live = table.add(50);
    for (const old of issued) expect(table.get(old)).toBeUndefined();
    expect(table.get(live)).toBe(50);
    expect(table.size).toBe(1);
  });

  it('ignores ids it never issued', () => {
    const table = new SocketTable<number>();
    table.add(1);
    for (const id of [0, -1, 1.5, 2 ** 40, Number.NaN]) expect(table.get(id)).toBeUndefined();
  });

  it('visits live entries', () => {
    const table = new SocketTable<number>();
    const ids = [1, 2, 3].map((n) => table.add(n));
    table.delete(ids[1]);
    const seen: number[] = [];
    table.forEach((v) => seen.push(v));
    expect(seen.sort()).toEqual([1, 3]);
  });

  it('does not visit an entry deleted by an earlier visit', () => {
    const table = new SocketTable<number>();
    const ids = [0, 1, 2, 3].map((n) => table.add(n));
    const seen: number[] = [];
    table.forEach((v) => {
      seen.push(v);
      if (v === 0) table.delete(ids[2]);
    });
    expect(seen).toEqual([0, 1, 3]);
  });

  it('grows past its first id array and reuses freed slots before new ones', () => {
    const table = new SocketTable<number>();
    const ids = Array.from({ length: 5000 }, (_, i) => table.add(i));
    expect(new Set(ids).size).toBe(5000);
    expect(Math.max(...ids.map(slotOf))).toBe(4999);
    ids.forEach((got, i) => expect(table.get(got)).toBe(i));
    expect(table.delete(ids[4321])).toBe(4321);
    const again = table.add(-1);
    expect(slotOf(again)).toBe(4321);
    expect(generationOf(again)).toBe(2);
    expect(table.get(ids[4321])).toBeUndefined();
    expect(table.size).toBe(5000);
  });

  it('keeps old ids stale after clear(), and issues from the cleared slots again', () => {
    const table = new SocketTable<string>();
    const a = table.add('a');
    const b = table.add('b');
    expect(table.clear().sort()).toEqual(['a', 'b']);
    expect(table.size).toBe(0);
    const c = table.add('c');
    expect([a, b].map(slotOf)).toContain(slotOf(c));
    expect([a, b]).not.toContain(c);
    expect(table.get(a)).toBeUndefined();
    expect(table.get(b)).toBeUndefined();
    expect(table.get(c)).toBe('c');
  });

  it('issues small-integer ids', () => {
    const table = new SocketTable<string>();
    const got = table.add('x');
    expect(got).toBe(socketId(slotOf(got), generationOf(got)));
    expect(got).toBe(got | 0);
  });
});

describe('SocketTable: ids issued elsewhere', () => {
  it('finds an entry by its id and never by a stale id of the same slot', () => {
    const table = new SocketTable<{ id: number; name: string }>();
    const old = entry(1 * SPAN + 5, 'old');
    table.set(old.id, old);
    expect(table.get(old.id)).toBe(old);
    expect(table.delete(old.id)).toBe(old);
    const fresh = entry(2 * SPAN + 5, 'fresh');
    table.set(fresh.id, fresh);
    expect(table.get(old.id)).toBeUndefined();
    expect(table.delete(old.id)).toBeUndefined();
    expect(table.get(fresh.id)).toBe(fresh);
  });

  it('replaces the entry of the same id (HTTP phase handing over to a WebSocket)', () => {
    const table = new SocketTable<{ id: number; name: string }>();
    table.set(7, entry(7, 'http'));
    const ws = entry(7, 'ws');
    table.set(7, ws);
    expect(table.get(7)).toBe(ws);
    expect(table.size).toBe(1);
    expect(table.clear()).toEqual([ws]);
    expect(table.get(7)).toBeUndefined();
  });

  it('keeps two live ids whose low bits collide apart (a transport with another id packing)', () => {
    const table = new SocketTable<{ id: number; name: string }>();
    const a = entry(3, 'a');
    const b = entry(SPAN + 3, 'b');
    table.set(a.id, a);
    table.set(b.id, b);
    expect(table.get(a.id)).toBe(a);
    expect(table.get(b.id)).toBe(b);
    expect(table.delete(b.id)).toBe(b);
    expect(table.get(b.id)).toBeUndefined();
    expect(table.get(a.id)).toBe(a);
    table.set(b.id, b);
    expect(new Set(table.clear())).toEqual(new Set([a, b]));
  });

  it('keeps an id in the overflow once it is there, also after its slot frees up', () => {
    const table = new SocketTable<string>();
    table.set(id(1, 7), 'first');
    table.set(id(2, 7), 'second'); // slot 7 is taken: overflow
    expect(table.delete(id(1, 7))).toBe('first');
    table.set(id(2, 7), 'second again');
    expect(table.size).toBe(1);
    expect(table.get(id(2, 7))).toBe('second again');
    expect(table.delete(id(2, 7))).toBe('second again');
    expect(table.get(id(2, 7))).toBeUndefined();
    expect(table.size).toBe(0);
  });

  it('keeps negative ids (foreign TLS sockets) and returns them from clear()', () => {
    const table = new SocketTable<{ id: number; name: string }>();
    const plain = entry(5, 'plain');
    const foreign = entry(-5, 'foreign');
    // -SPAN % SPAN is -0, which is not below 0: the sign of the id decides, not the slot.
    const foreignSlotZero = entry(-SPAN, 'foreign, slot 0');
    table.set(plain.id, plain);
    table.set(foreign.id, foreign);
    table.set(foreignSlotZero.id, foreignSlotZero);
    expect(table.get(-SPAN)).toBe(foreignSlotZero);
    expect(table.delete(-SPAN)).toBe(foreignSlotZero);
    expect(table.get(-5)).toBe(foreign);
    expect(table.get(5)).toBe(plain);
    expect(new Set(table.clear())).toEqual(new Set([plain, foreign]));
    table.set(foreign.id, foreign);
    expect(table.delete(-5)).toBe(foreign);
    expect(table.get(-5)).toBeUndefined();
  });

  it('keeps entries of slots far apart and returns every one from clear()', () => {
    const table = new SocketTable<{ id: number; name: string }>();
    const slots = [0, 1023, 1024, 50_000, SPAN - 1];
    const all = slots.map((slot) => entry(SPAN + slot));
    for (const e of all) table.set(e.id, e);
    for (const e of all) expect(table.get(e.id)).toBe(e);
    expect(table.delete(all[2].id)).toBe(all[2]);
    expect(table.get(all[2].id)).toBeUndefined();
    expect(table.clear()).toEqual([all[0], all[1], all[3], all[4]]);
    for (const e of all) expect(table.get(e.id)).toBeUndefined();
  });

  it('stores, finds and forgets entries by id, whatever the slot', () => {
    const t = new SocketTable<string>();
    for (const slot of [0, 1, 63, 64, 1000, SPAN - 1]) {
      t.set(id(1, slot), `a${slot}`);
      expect(t.get(id(1, slot))).toBe(`a${slot}`);
    }
    expect(t.get(id(1, 2))).toBeUndefined();
    expect(t.delete(id(1, 1000))).toBe('a1000');
    expect(t.delete(id(1, 1000))).toBeUndefined();
    expect(t.get(id(1, 1000))).toBeUndefined();
    expect(t.get(id(1, 64))).toBe('a64');
  });

  it('keeps two live ids of one slot, and negative ids, apart (overflow)', () => {
    const t = new SocketTable<string>();
    t.set(id(1, 7), 'first');
    t.set(id(2, 7), 'second');
    t.set(-3, 'foreign');
    expect([t.get(id(1, 7)), t.get(id(2, 7)), t.get(-3)]).toEqual(['first', 'second', 'foreign']);
    t.set(id(2, 7), 'second again');
    expect(t.get(id(2, 7))).toBe('second again');
    expect(t.delete(id(2, 7))).toBe('second again');
    expect(t.delete(-3)).toBe('foreign');
    expect([t.get(id(1, 7)), t.get(id(2, 7)), t.get(-3)]).toEqual(['first', undefined, undefined]);
  });
});

describe('SocketTable: one owner for many sockets (the native loop)', () => {
  it('gives each socket its owner, across growth, and undefined where none was set', () => {
    const a = { name: 'a' };
    const b = { name: 'b' };
    const owners = new SocketTable<object>();
    const at = [0, 1, 1023, 1024, 5000, 2 ** 22 - 1];
    at.forEach((slot, i) => owners.set(id(1, slot), i % 2 === 0 ? a : b));
    at.forEach((slot, i) => expect(owners.get(id(1, slot))).toBe(i % 2 === 0 ? a : b));
    expect(owners.get(id(1, 2))).toBeUndefined();
    expect(owners.get(id(1, 2 ** 22))).toBeUndefined();
    expect(distinct(owners)).toBe(2);
  });

  it('lets go of an owner when its last socket is deleted', () => {
    const a = { name: 'a' };
    const b = { name: 'b' };
    const c = { name: 'c' };
    const owners = new SocketTable<object>();
    owners.set(id(1, 3), a);
    owners.set(id(1, 4), a);
    owners.set(id(1, 5), b);
    owners.delete(id(1, 3));
    expect(distinct(owners)).toBe(2);
    owners.set(id(1, 4), b); // a's last socket moves to b
    expect(distinct(owners)).toBe(1);
    expect(owners.get(id(1, 4))).toBe(b);
    owners.set(id(1, 6), c);
    expect(owners.get(id(1, 6))).toBe(c);
    expect(owners.get(id(1, 5))).toBe(b);
    expect(distinct(owners)).toBe(2);
    owners.delete(id(1, 4));
    owners.delete(id(1, 5));
    owners.delete(id(1, 6));
    expect(owners.delete(id(1, 6))).toBeUndefined(); // deleting an empty slot changes nothing
    expect(distinct(owners)).toBe(0);
    expect(owners.size).toBe(0);
    expect(owners.get(id(1, 6))).toBeUndefined();
  });

  it('counts a socket set twice to the same owner once', () => {
    const a = { name: 'a' };
    const owners = new SocketTable<object>();
    owners.set(id(1, 9), a);
    owners.set(id(1, 9), a);
    expect(owners.size).toBe(1);
    owners.delete(id(1, 9));
    expect(distinct(owners)).toBe(0);
    expect(owners.size).toBe(0);
  });
});

describe('socket ids', () => {
  it('pack a slot and a generation, and unpack to them', () => {
    for (const [slot, generation] of [
      [0, 1],
      [5, 1],
      [SPAN - 1, 7],
      [123, 2 ** 30 - 1],
    ]) {
      const got = socketId(slot, generation);
      expect([slotOf(got), generationOf(got)]).toEqual([slot, generation]);
    }
  });

  it('compactId keeps the value and makes it a small integer where it is one', () => {
    const computed = 3 * SPAN + 0.5 - 0.5; // a float64 in V8's eyes
    expect(compactId(computed)).toBe(3 * SPAN + 0);
    expect(compactId(-7)).toBe(-7);
    expect(compactId(2 ** 40)).toBe(2 ** 40);
  });
});
