import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimerWheel, type WheelEntry } from '../../src/transport/timer-wheel.js';

interface Entry extends WheelEntry {
  name: string;
}
const entry = (name: string): Entry => ({ name, deadline: 0, bucket: 0 });

describe('TimerWheel', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires after the timeout, never early and at most a second late', () => {
    const fired: string[] = [];
    const wheel = new TimerWheel<Entry>((e) => fired.push(e.name));
    const a = entry('a');
    wheel.arm(a, 3);
    vi.advanceTimersByTime(2999);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1001);
    expect(fired).toEqual(['a']);
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual(['a']); // once
    wheel.stop();
  });

  it('re-arming pushes the deadline back (the lazy move), disarming cancels', () => {
    const fired: string[] = [];
    const wheel = new TimerWheel<Entry>((e) => fired.push(e.name));
    const a = entry('a');
    const b = entry('b');
    wheel.arm(a, 2);
    wheel.arm(b, 2);
    vi.advanceTimersByTime(1500);
    wheel.arm(a, 2); // pushed back
    wheel.arm(b, 0); // disarmed
    vi.advanceTimersByTime(1600);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1500);
    expect(fired).toEqual(['a']);
    wheel.stop();
  });

  it('moves an entry to an earlier deadline', () => {
    const fired: string[] = [];
    const wheel = new TimerWheel<Entry>((e) => fired.push(e.name));
    const a = entry('a');
    wheel.arm(a, 100);
    wheel.arm(a, 1);
    vi.advanceTimersByTime(2100);
    expect(fired).toEqual(['a']);
    wheel.stop();
  });

  it('remove() forgets an entry; the interval stops when nothing is armed', () => {
    const fired: string[] = [];
    const wheel = new TimerWheel<Entry>((e) => fired.push(e.name));
    const a = entry('a');
    wheel.arm(a, 1);
    wheel.remove(a);
    expect(a.bucket).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(fired).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('handles many timers with one interval', () => {
    let count = 0;
    const wheel = new TimerWheel<Entry>(() => count++);
    for (let i = 0; i < 10_000; i++) wheel.arm(entry(String(i)), 1 + (i % 5));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(7000);
    expect(count).toBe(10_000);
    wheel.stop();
  });
});
