/**
 * A table of live entries addressed by numeric ids that pack a slot index and a generation:
 * `id = generation * 2^22 + index`. Freeing a slot bumps its generation, so an id kept past
 * its entry's end never reaches the entry that reuses the slot.
 */

/** Slots per table: 4 194 304 live entries at most. */
const INDEX_SPACE = 2 ** 22;
/** Generations wrap below this, so ids stay exact doubles (< 2^53). */
const GENERATION_SPACE = 2 ** 30;

export class SlotTable<T> {
  private readonly entries: Array<T | undefined> = [];
  private readonly generations: number[] = [];
  private readonly free: number[] = [];
  private live = 0;

  /** Number of live entries. */
  get size(): number {
    return this.live;
  }

  /**
   * Stores `value` and returns its id.
   * @throws {RangeError} when every slot is taken.
   */
  add(value: T): number {
    let index = this.free.pop();
    if (index === undefined) {
      index = this.entries.length;
      if (index >= INDEX_SPACE) throw new RangeError(`slot table full: ${INDEX_SPACE} live entries`);
      this.entries.push(undefined);
      // Generation 1 for a fresh slot keeps id 0 unused, so 0 is never a valid id.
      this.generations.push(1);
    }
    this.entries[index] = value;
    this.live++;
    return this.generations[index] * INDEX_SPACE + index;
  }

  /** The entry for `id`, or undefined when the id is stale or was never issued. */
  get(id: number): T | undefined {
    const index = id % INDEX_SPACE;
    if (this.generations[index] !== (id - index) / INDEX_SPACE) return undefined;
    return this.entries[index];
  }

  /** Frees `id`'s slot; a stale id is ignored. Returns the entry that was removed. */
  delete(id: number): T | undefined {
    const index = id % INDEX_SPACE;
    const value = this.get(id);
    if (value === undefined) return undefined;
    this.entries[index] = undefined;
    const next = this.generations[index] + 1;
    this.generations[index] = next >= GENERATION_SPACE ? 1 : next;
    this.free.push(index);
    this.live--;
    return value;
  }

  /** Calls `fn` for every live entry (entries added or removed meanwhile may be skipped). */
  forEach(fn: (value: T) => void): void {
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) {
      const value = entries[i];
      if (value !== undefined) fn(value);
    }
  }
}
