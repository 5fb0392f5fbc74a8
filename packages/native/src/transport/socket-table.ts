/**
 * Sockets by id: the one table every layer keeps its sockets in (a transport's sockets, the
 * owner of each slot of the thread's epoll loop, an App's connections, a hub's entries).
 *
 * Ids pack a slot index and the slot's generation: `id = generation * 2^22 + slot`. The native
 * loop issues them that way (slot and generation come from the addon), {@link SocketTable.add}
 * issues them that way for node:net. The packing is known here and nowhere else: transports
 * go through {@link socketId}, {@link slotOf} and {@link generationOf}, everybody else stores
 * and looks up opaque ids.
 *
 * Lookups index arrays by slot instead of hashing: an entry costs a reference in a fixed-size
 * page (see `PagedSlots`) and 8 bytes of a typed array (the id held in the slot, off the JS
 * heap), and a burst of connections does not rehash a growing table in the young generation.
 * The id kept in the slot tells a stale id from the live one, so an id kept past its entry's
 * end never reaches the entry that reuses the slot. An id whose slot holds another live id (a
 * transport with another packing), or a negative id (a foreign TLS socket, see
 * `foreign-sockets`), goes to an overflow Map: correct whatever the ids, compact for ours.
 */
import { PagedSlots } from './paged-slots.js';
import type { SocketId } from './transport.js';

/**
 * Slots a table can address: 4 194 304 live sockets per thread at most (the addon's 22 slot
 * bits). A literal on purpose: V8 folds `2 ** 22` into the code, but not `2 ** SOME_CONST`, and
 * `id % SLOT_SPAN` by a value it does not know is a float modulo call on every lookup.
 */
const SLOT_SPAN = 2 ** 22;
/** Generations wrap below this, so ids stay exact doubles (< 2^53). */
const GENERATION_SPACE = 2 ** 30;
/** The id held by a slot that never held one. */
const NONE = -1;
/** Slots the id array starts with; it doubles when a higher slot is used. */
const INITIAL_SLOTS = 256;

/** @internal The id of `slot` in its `generation` (the packing the addon and `add` use). */
export function socketId(slot: number, generation: number): SocketId {
  return compactId(generation * SLOT_SPAN + slot);
}

/** @internal The slot part of an id. */
export function slotOf(id: SocketId): number {
  return id % SLOT_SPAN;
}

/** @internal The generation part of an id. */
export function generationOf(id: SocketId): number {
  return (id - (id % SLOT_SPAN)) / SLOT_SPAN;
}

/**
 * `id` as a small integer when it is one. Ids are computed in float64 arithmetic; a field (or
 * Map key) that once held a float64 boxes every value stored in it, 16 bytes more per
 * connection object. Whoever stores an id it did not get from a table or hub passes it
 * through this.
 */
export function compactId(id: SocketId): SocketId {
  return id >= 0 && id <= 0x7fffffff ? id | 0 : id;
}

/**
 * A table of sockets by id. Use it one of two ways: {@link add} issues ids (a transport), or
 * {@link set} stores entries under ids issued by someone else (an App, a hub). Either way
 * {@link get} of an id whose socket is gone answers undefined, also once its slot is reused.
 */
export class SocketTable<E> {
  private readonly entries = new PagedSlots<E>();
  /** The id last stored in each slot ({@link NONE} for none): live while `entries` has it. */
  private ids = new Float64Array(INITIAL_SLOTS).fill(NONE);
  private overflow: Map<SocketId, E> | undefined;
  private live = 0;
  /** Set by the first {@link add}: from then on freed slots are kept for reuse. */
  private issuing = false;
  private readonly free: number[] = [];
  /** The lowest slot `add` never used. */
  private fresh = 0;

  /** Number of entries. */
  get size(): number {
    return this.live;
  }

  /** The entry of `id`, or undefined (an id never stored, or whose entry was deleted). */
  get(id: SocketId): E | undefined {
    if (id >= 0) {
      const slot = id % SLOT_SPAN;
      // A typed array read out of range (or at a fractional index) gives undefined: no match.
      if (this.ids[slot] === id) {
        const entry = this.entries.get(slot);
        if (entry !== undefined) return entry;
      }
    }
    return this.overflow === undefined ? undefined : this.overflow.get(id);
  }

  /**
   * Stores `entry` and returns the id it was given: a free slot (a freed one first), its
   * generation one past the id that held it last, so no earlier id of the slot reaches it.
   * @throws {RangeError} when every slot is taken.
   */
  add(entry: E): SocketId {
    this.issuing = true;
    let slot: number | undefined;
    while ((slot = this.free.pop()) !== undefined && this.entries.get(slot) !== undefined);
    if (slot === undefined) {
      while (this.fresh < SLOT_SPAN && this.entries.get(this.fresh) !== undefined) this.fresh++;
      if (this.fresh >= SLOT_SPAN) throw new RangeError(`socket table full: ${SLOT_SPAN} live sockets`);
      slot = this.fresh++;
    }
    if (slot >= this.ids.length) this.grow(slot + 1);
    const last = this.ids[slot];
    // Generation 1 for a slot never used keeps id 0 unused, so 0 is never a valid id.
    let generation = last < 0 ? 1 : generationOf(last) + 1;
    if (generation >= GENERATION_SPACE) generation = 1;
    const id = socketId(slot, generation);
    this.ids[slot] = id;
    this.entries.set(slot, entry);
    this.live++;
    return id;
  }

  /** Stores `entry` under `id` (issued elsewhere), replacing the entry stored for that id before. */
  set(id: SocketId, entry: E): void {
    if (id >= 0 && (this.overflow === undefined || !this.overflow.has(id))) {
      const slot = id % SLOT_SPAN;
      if (Number.isInteger(slot)) {
        if (slot >= this.ids.length) this.grow(slot + 1);
        const current = this.entries.get(slot);
        if (current === undefined || this.ids[slot] === id) {
          if (current === undefined) this.live++;
          this.ids[slot] = id;
          this.entries.set(slot, entry);
          return;
        }
      }
    }
    const overflow = (this.overflow ??= new Map());
    if (!overflow.has(id)) this.live++;
    overflow.set(id, entry);
  }

  /** Removes the entry of `id`; returns it, or undefined when there was none. */
  delete(id: SocketId): E | undefined {
    if (id >= 0) {
      const slot = id % SLOT_SPAN;
      if (this.ids[slot] === id) {
        const entry = this.entries.get(slot);
        if (entry !== undefined) {
          // The slot keeps the id: the next `add` there takes the next generation.
          this.entries.set(slot, undefined);
          this.live--;
          if (this.issuing) this.free.push(slot);
          return entry;
        }
      }
    }
    const overflow = this.overflow;
    if (overflow === undefined) return undefined;
    const other = overflow.get(id);
    if (other !== undefined) {
      overflow.delete(id);
      this.live--;
    }
    return other;
  }

  /** Every entry, in slot order then the overflow's, without removing them. */
  values(): E[] {
    const all = this.entries.values();
    if (this.overflow !== undefined) for (const entry of this.overflow.values()) all.push(entry);
    return all;
  }

  /**
   * Calls `fn` for every entry. An entry deleted before its turn is not visited; one added
   * meanwhile may be.
   */
  forEach(fn: (entry: E) => void): void {
    for (let slot = 0; slot < this.ids.length; slot++) {
      const entry = this.entries.get(slot);
      if (entry !== undefined) fn(entry);
    }
    const overflow = this.overflow;
    if (overflow === undefined) return;
    for (const [id, entry] of [...overflow]) if (overflow.get(id) === entry) fn(entry);
  }

  /** Removes every entry and returns them. Slots keep their last ids, so old ids stay stale. */
  clear(): E[] {
    const all = this.values();
    this.entries.clear();
    this.overflow = undefined;
    this.live = 0;
    if (this.issuing) {
      // Every slot `add` used is free again; their ids stay, so generations keep counting.
      this.free.length = 0;
      for (let slot = this.fresh - 1; slot >= 0; slot--) this.free.push(slot);
    }
    return all;
  }

  private grow(minimum: number): void {
    let size = this.ids.length * 2;
    while (size < minimum) size *= 2;
    const ids = new Float64Array(size).fill(NONE);
    ids.set(this.ids);
    this.ids = ids;
  }
}
