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

describe('History.merge (another process\'s lines of a room)', () => {
  it('adds the lines it lacks in time order, once each, and keeps the last perRoom', () => {
    const h = new History({ perRoom: 3 });
    h.add('r', { name: 'a', text: '2', at: 20 });
    h.merge('r', [
      { name: 'b', text: '1', at: 10 },
      { name: 'a', text: '2', at: 20 },
      { name: 'b', text: '3', at: 30 },
      { name: 'b', text: '3', at: 30 },
    ]);
    expect(h.recent('r').map((l) => l.text)).toEqual(['1', '2', '3']);
    h.merge('r', [{ name: 'c', text: '4', at: 40 }]);
    expect(h.recent('r').map((l) => l.text)).toEqual(['2', '3', '4']);
  });
});

describe('Presence across processes', () => {
  it('counts other processes\' users until their report expires, refuses their names, forgets on bye', () => {
    let now = 1000;
    const p = new Presence({ now: () => now });
    p.enter('r', 'ana');
    now = 1001;
    expect(p.report('n1', now + 500, { r: [['bo', 1000.5], ['cy', 1002]] }, true)).toBe(true);
    expect(p.members('r')).toEqual(['ana', 'bo', 'cy']);
    expect(p.enter('r', 'BO')).toBe(false);
    expect(p.report('n1', now + 500, { r: [['bo', 1000.5]] }, false)).toBe(false);
    expect(p.members('r')).toEqual(['ana', 'bo']);
    p.report('n2', now + 2000, { r: [['dee', 1003]], s: [['eve', 1004]] }, true);
    // A whole report replaces every room of that process.
    p.report('n2', now + 2000, { s: [['eve', 1004]] }, true);
    expect(p.members('r')).toEqual(['ana', 'bo']);
    now += 500;
    expect(p.expire()).toEqual(['n1']);
    expect(p.members('r')).toEqual(['ana']);
    p.forget('n2');
    expect(p.members('s')).toEqual([]);
    expect(p.localRoster('r')).toEqual([['ana', 1000]]);
  });
});
