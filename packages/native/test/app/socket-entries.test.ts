import { describe, expect, it } from 'vitest';
import { SocketEntries } from '../../src/app/socket-entries.js';

const SPAN = 2 ** 22;
const entry = (id: number, name = String(id)) => ({ id, name });

describe('SocketEntries', () => {
  it('finds an entry by its id and never by a stale id of the same slot', () => {
    const table = new SocketEntries<{ id: number; name: string }>();
    const old = entry(1 * SPAN + 5, 'old');
    table.set(old);
    expect(table.get(old.id)).toBe(old);
    expect(table.delete(old.id)).toBe(old);
    const fresh = entry(2 * SPAN + 5, 'fresh');
    table.set(fresh);
    expect(table.get(old.id)).toBeUndefined();
    expect(table.delete(old.id)).toBeUndefined();
    expect(table.get(fresh.id)).toBe(fresh);
  });

  it('replaces the entry of the same id (HTTP phase handing over to a WebSocket)', () => {
    const table = new SocketEntries<{ id: number; name: string }>();
    table.set(entry(7, 'http'));
    const ws = entry(7, 'ws');
    table.set(ws);
    expect(table.get(7)).toBe(ws);
    expect(table.clear()).toEqual([ws]);
    expect(table.get(7)).toBeUndefined();
  });

  it('keeps two live ids whose low bits collide apart (a transport with another id packing)', () => {
    const table = new SocketEntries<{ id: number; name: string }>();
    const a = entry(3, 'a');
    const b = entry(SPAN + 3, 'b');
    table.set(a);
    table.set(b);
    expect(table.get(a.id)).toBe(a);
    expect(table.get(b.id)).toBe(b);
    expect(table.delete(b.id)).toBe(b);
    expect(table.get(b.id)).toBeUndefined();
    expect(table.get(a.id)).toBe(a);
    table.set(b);
    expect(new Set(table.clear())).toEqual(new Set([a, b]));
  });

  it('keeps negative ids (foreign TLS sockets) and returns them from clear()', () => {
    const table = new SocketEntries<{ id: number; name: string }>();
    const plain = entry(5, 'plain');
    const foreign = entry(-5, 'foreign');
    // -SPAN % SPAN is -0, which is not below 0: the sign of the id decides, not the slot.
    const foreignSlotZero = entry(-SPAN, 'foreign, slot 0');
    table.set(plain);
    table.set(foreign);
    table.set(foreignSlotZero);
    expect(table.get(-SPAN)).toBe(foreignSlotZero);
    expect(table.delete(-SPAN)).toBe(foreignSlotZero);
    expect(table.get(-5)).toBe(foreign);
    expect(table.get(5)).toBe(plain);
    expect(new Set(table.clear())).toEqual(new Set([plain, foreign]));
    table.set(foreign);
    expect(table.delete(-5)).toBe(foreign);
    expect(table.get(-5)).toBeUndefined();
  });
});

describe('SocketEntries across many slots', () => {
  it('keeps entries of slots far apart and returns every one from clear()', () => {
    const table = new SocketEntries<{ id: number; name: string }>();
    const slots = [0, 1023, 1024, 50_000, SPAN - 1];
    const all = slots.map((slot) => entry(SPAN + slot));
    for (const e of all) table.set(e);
    for (const e of all) expect(table.get(e.id)).toBe(e);
    expect(table.delete(all[2].id)).toBe(all[2]);
    expect(table.get(all[2].id)).toBeUndefined();
    expect(table.clear()).toEqual([all[0], all[1], all[3], all[4]]);
    for (const e of all) expect(table.get(e.id)).toBeUndefined();
  });
});
