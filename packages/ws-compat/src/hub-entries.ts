/**
 * A hub's sockets by id: arrays indexed by the id's slot part instead of a Map, so a connection
 * costs an array element and 8 bytes of a typed array rather than a hash-table entry (and a
 * connection burst does not rehash a growing table in the young generation).
 *
 * Transports pack ids as `generation * 2^22 + slot`, so two live ids of one transport never
 * share a slot; the stored id tells a stale id from the live one. An id whose slot is taken by
 * another live id, or a negative id (a foreign TLS socket), goes to an overflow Map: correct
 * whatever the packing, compact for the real one.
 */
import type { SocketId } from '@uws/native';

/** Slot part of an id, as the transports pack it. */
const SLOT_SPAN = 2 ** 22;
const NONE = -1;

export class HubEntries<E> {
  private entries: (E | undefined)[] = [];
  /** Id stored in each slot, {@link NONE} for none. Off the JS heap. */
  private ids = new Float64Array(64).fill(NONE);
  private overflow: Map<SocketId, E> | undefined;

  get(id: SocketId): E | undefined {
    if (id >= 0) {
      const slot = id % SLOT_SPAN;
      if (slot < this.ids.length && this.ids[slot] === id) return this.entries[slot];
    }
    return this.overflow?.get(id);
  }

  /** Stores `entry` for `id`, replacing what was stored for that id. */
  set(id: SocketId, entry: E): void {
    if (id >= 0) {
      const slot = id % SLOT_SPAN;
      if (slot >= this.ids.length) this.grow(slot + 1);
      const current = this.ids[slot];
      if (current === NONE || current === id) {
        this.ids[slot] = id;
        // Filling the holes up to `slot` keeps the array packed (no dictionary mode).
        for (let i = this.entries.length; i < slot; i++) this.entries.push(undefined);
        this.entries[slot] = entry;
        return;
      }
    }
    (this.overflow ??= new Map()).set(id, entry);
  }

  /** Forgets `id`; true when it was stored. */
  delete(id: SocketId): boolean {
    if (id >= 0) {
      const slot = id % SLOT_SPAN;
      if (slot < this.ids.length && this.ids[slot] === id) {
        this.ids[slot] = NONE;
        this.entries[slot] = undefined;
        return true;
      }
    }
    return this.overflow?.delete(id) ?? false;
  }

  private grow(minimum: number): void {
    let size = this.ids.length * 2;
    while (size < minimum) size *= 2;
    const ids = new Float64Array(size).fill(NONE);
    ids.set(this.ids);
    this.ids = ids;
  }
}
