/**
 * A coarse timer wheel: one unref'd interval for any number of timers, each a deadline in
 * whole seconds. Arming is O(1) and costs no Node timer, which is what lets an idle timeout be
 * re-armed on every received chunk.
 *
 * Buckets are keyed by the absolute second they fire in. An entry sits in at most one bucket:
 * when its deadline moved later, it is moved to the later bucket only when the earlier one
 * fires (lazily), so re-arming on every chunk costs two field writes.
 */

/** What the wheel keeps on each timed object. Start both fields at 0. */
export interface WheelEntry {
  /** Second at which the timer fires; 0 when disarmed. */
  deadline: number;
  /** Second of the bucket holding the entry; 0 when in none. */
  bucket: number;
}

/** Interval between ticks: the wheel's resolution. */
const TICK_MS = 1000;

export class TimerWheel<E extends WheelEntry> {
  private readonly buckets = new Map<number, Set<E>>();
  private readonly epoch = performance.now();
  private readonly onExpire: (entry: E) => void;
  private interval: ReturnType<typeof setInterval> | undefined;
  /** Seconds since `epoch`, as of the last tick (or the last arm while stopped). */
  private now = 0;
  /** Last second whose bucket was processed. */
  private processed = 0;
  private bucketed = 0;

  /** @param onExpire called once per expired timer, from the interval. */
  constructor(onExpire: (entry: E) => void) {
    this.onExpire = onExpire;
  }

  /**
   * Arms (or re-arms) `entry` to fire in about `seconds` (never early, at most one second
   * late); 0 or less disarms it.
   */
  arm(entry: E, seconds: number): void {
    if (!(seconds > 0)) {
      entry.deadline = 0; // lazily dropped when its bucket comes up
      return;
    }
    if (this.interval === undefined) this.start();
    const deadline = this.now + Math.ceil(seconds) + 1;
    entry.deadline = deadline;
    if (entry.bucket === 0) this.insert(entry, deadline);
    else if (entry.bucket > deadline) {
      this.buckets.get(entry.bucket)?.delete(entry);
      this.bucketed--;
      this.insert(entry, deadline);
    }
  }

  /** Disarms `entry` and forgets it at once (for an entry that is going away). */
  remove(entry: E): void {
    entry.deadline = 0;
    if (entry.bucket !== 0) {
      this.buckets.get(entry.bucket)?.delete(entry);
      entry.bucket = 0;
      this.bucketed--;
    }
  }

  /** Drops every timer and stops the interval. */
  stop(): void {
    if (this.interval !== undefined) clearInterval(this.interval);
    this.interval = undefined;
    for (const set of this.buckets.values()) for (const entry of set) entry.bucket = 0;
    this.buckets.clear();
    this.bucketed = 0;
  }

  private start(): void {
    this.now = this.clock();
    this.processed = this.now;
    this.interval = setInterval(() => this.tick(), TICK_MS);
    this.interval.unref();
  }

  private clock(): number {
    return Math.floor((performance.now() - this.epoch) / TICK_MS) + 1;
  }

  private insert(entry: E, second: number): void {
    let set = this.buckets.get(second);
    if (set === undefined) this.buckets.set(second, (set = new Set()));
    set.add(entry);
    entry.bucket = second;
    this.bucketed++;
  }

  private tick(): void {
    // Read the clock rather than count ticks: a blocked loop coalesces interval callbacks.
    const target = this.clock();
    this.now = target;
    while (this.processed < target) {
      const second = ++this.processed;
      const set = this.buckets.get(second);
      if (set === undefined) continue;
      this.buckets.delete(second);
      for (const entry of set) {
        entry.bucket = 0;
        this.bucketed--;
        if (entry.deadline === 0) continue;
        if (entry.deadline > second) this.insert(entry, entry.deadline);
        else {
          entry.deadline = 0;
          this.onExpire(entry);
        }
      }
    }
    if (this.bucketed === 0 && this.interval !== undefined) {
      clearInterval(this.interval);
      this.interval = undefined;
    }
  }
}
