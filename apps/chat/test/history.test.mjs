import { describe, expect, it } from 'vitest';
import { History } from '../src/history.mjs';
import { Presence } from '../src/presence.mjs';

describe('History', () => {
  it('keeps at most perRoom lines per room and maxRooms rooms, least recently written dropped first', () => {
    const h = new History({ perRoom: 2, maxRooms: 2 });
    for (const [room, text] of [['a', '1'], ['a', '2'], ['a', '3'], ['b', 'x'], ['a', '4'], ['c', 'y']]) {
      h.add(room, { name: 'n', text, at: 0 });
    }
    expect(h.recent('a').map((l) => l.text)).toEqual(['3', '4']);
    expect(h.recent('b')).toEqual([]); // b was written least recently when c came
    expect(h.recent('c').map((l) => l.text)).toEqual(['y']);
    expect(h.rooms.size).toBe(2);
  });
});

describe('Presence', () => {
  it('counts members per room, refuses a taken name case-insensitively, forgets empty rooms', () => {
    const p = new Presence();
    expect(p.enter('r', 'Ana')).toBe(true);
    expect(p.enter('r', 'ana')).toBe(false);
    expect(p.enter('s', 'ana')).toBe(true);
    expect(p.enter('r', 'bo')).toBe(true);
    expect(p.members('r')).toEqual(['Ana', 'bo']);
    p.leave('r', 'ANA');
    p.leave('r', 'bo');
    expect(p.members('r')).toEqual([]);
    expect(p.rooms.has('r')).toBe(false);
  });
});
