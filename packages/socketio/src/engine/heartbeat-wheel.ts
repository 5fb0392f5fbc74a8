/**
 * Heartbeat deadlines of every session on a few shared timers instead of a `setTimeout` pair
 * per session: one list per duration (pingInterval, pingTimeout...), kept in deadline order
 * because every entry of a list waits the same time (re-arming moves an entry to the tail),
 * and one timer per list for its head. A timer fires up to 1% of its duration (at most
 * 100 ms) late, so that sessions whose deadlines fall close together are handled in one wake.
 */

/** What a list holds: its links live on the entry (no per-entry node). */
export interface HeartbeatEntry {
  hbList: HeartbeatList | undefined;
  hbPrev: HeartbeatEntry | undefined;
  hbNext: HeartbeatEntry | undefined;
  hbDeadline: number;
  /** The entry's deadline passed (it was taken off its list first). */
  onHeartbeatDue(list: HeartbeatList): void;
}

export class HeartbeatList {
  readonly duration: number;
  private readonly slack: number;
  private head: HeartbeatEntry | undefined;
  private tail: HeartbeatEntry | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(duration: number) {
    this.duration = duration;
    this.slack = Math.min(100, Math.floor(duration / 100));
  }

  /** (Re)starts `entry`'s wait: due `duration` ms from now. Takes it off any other list. */
  add(entry: HeartbeatEntry): void {
    if (entry.hbList !== undefined) entry.hbList.remove(entry);
    entry.hbList = this;
    entry.hbDeadline = performance.now() + this.duration;
    entry.hbPrev = this.tail;
    entry.hbNext = undefined;
    if (this.tail === undefined) this.head = entry;
    else this.tail.hbNext = entry;
    this.tail = entry;
    if (this.timer === undefined) this.arm(entry.hbDeadline);
  }

  remove(entry: HeartbeatEntry): void {
    if (entry.hbList !== this) return;
    const { hbPrev: prev, hbNext: next } = entry;
    if (prev === undefined) this.head = next;
    else prev.hbNext = next;
    if (next === undefined) this.tail = prev;
    else next.hbPrev = prev;
    entry.hbList = entry.hbPrev = entry.hbNext = undefined;
    // An empty list holds no timer (nothing keeps the process alive for it).
    if (this.head === undefined && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private arm(deadline: number): void {
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(deadline - performance.now()) + this.slack));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    // Entries added by a handler are due a whole duration later: the loop ends.
    for (let entry = this.head; entry !== undefined && entry.hbDeadline <= now; entry = this.head) {
      this.remove(entry);
      entry.onHeartbeatDue(this);
    }
    if (this.head !== undefined && this.timer === undefined) this.arm(this.head.hbDeadline);
  };
}

const lists = { interval: new Map<number, HeartbeatList>(), timeout: new Map<number, HeartbeatList>() };

/**
 * The shared list of every session waiting `duration` ms for `kind` (sessions waiting to ping
 * and sessions waiting for an answer never share a list, even with equal durations).
 */
export function heartbeatList(kind: 'interval' | 'timeout', duration: number): HeartbeatList {
  let list = lists[kind].get(duration);
  if (list === undefined) {
    list = new HeartbeatList(duration);
    lists[kind].set(duration, list);
  }
  return list;
}
