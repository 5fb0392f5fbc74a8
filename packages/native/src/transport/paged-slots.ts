/**
 * Values by socket slot, stored in fixed-size pages instead of one growing array.
 *
 * A JS array that grows one slot at a time is copied to a larger backing store again and
 * again; during a burst of connections each copy is young, survives the next scavenges and
 * counts towards the survivals that make V8 grow its young generation (RSS that stays). A page
 * is allocated once, holds {@link PAGE_SIZE} slots and is never copied.
 */

/** Slots per page: 8 KiB of references, allocated when the first slot in it is set. */
const PAGE_BITS = 10;
export const PAGE_SIZE = 1024;
/** `PAGE_SIZE - 1`, written out: V8 folds a literal into the lookup, not a computed const. */
const PAGE_MASK = 1023;

export class PagedSlots<T> {
  private readonly pages: (Array<T | undefined> | undefined)[] = [];

  /** The value at `slot`, or undefined. */
  get(slot: number): T | undefined {
    const page = this.pages[slot >>> PAGE_BITS];
    return page === undefined ? undefined : page[slot & PAGE_MASK];
  }

  /** Stores `value` at `slot` (undefined clears it). */
  set(slot: number, value: T | undefined): void {
    const index = slot >>> PAGE_BITS;
    let page = this.pages[index];
    if (page === undefined) {
      if (value === undefined) return;
      // Its full size at once: the page's backing store is never reallocated.
      page = new Array<T | undefined>(PAGE_SIZE).fill(undefined);
      while (this.pages.length < index) this.pages.push(undefined);
      this.pages[index] = page;
    }
    page[slot & PAGE_MASK] = value;
  }

  /** Every value stored, in slot order. */
  values(): T[] {
    const all: T[] = [];
    for (const page of this.pages) {
      if (page === undefined) continue;
      for (const value of page) if (value !== undefined) all.push(value);
    }
    return all;
  }

  /** Drops every value (and page). */
  clear(): void {
    this.pages.length = 0;
  }
}
