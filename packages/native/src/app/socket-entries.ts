/**
 * The App's connections by socket id: indexed by the id's slot part (in fixed pages, see
 * `PagedSlots`) instead of a Map, so a connection costs one array element (8 bytes) rather
 * than a hash-table entry.
 *
 * Both transports pack ids as `generation * 2^22 + slot`, so two live ids never share a slot
 * and the array stays as long as the highest slot. The entry's own `id` tells a stale id from
 * the live one. Should a transport ever hand out two live ids with the same low bits, the
 * second goes to an overflow Map: correct whatever the packing, fast for the real one.
 */
import { PagedSlots } from '../transport/paged-slots.js';
import type { SocketId } from '../transport/transport.js';

/** Slot part of an id, as both transports pack it. */
const SLOT_SPAN = 2 ** 22;

/** What the table stores: anything that knows its own socket id. */
export interface IdentifiedEntry {
  readonly id: SocketId;
}

/**
 * `id` as a small integer when it is one. Transports compute ids in float64 arithmetic, and a
 * field that once held a float64 boxes every value stored in it: 16 bytes more per connection
 * object. Connections store their id through this.
 */
export function compactId(id: SocketId): SocketId {
  return id >= 0 && id <= 0x7fffffff ? id | 0 : id;
}

export class SocketEntries<E extends IdentifiedEntry> {
  private readonly bySlot = new PagedSlots<E>();
  private overflow: Map<SocketId, E> | undefined;

  get(id: SocketId): E | undefined {
    if (id < 0) return this.overflow?.get(id);
    const entry = this.bySlot.get(id % SLOT_SPAN);
    if (entry !== undefined && entry.id === id) return entry;
    return this.overflow?.get(id);
  }

  /** Stores `entry` under its id, replacing the entry stored for that id before. */
  set(entry: E): void {
    const slot = entry.id % SLOT_SPAN;
    const current = entry.id >= 0 ? this.bySlot.get(slot) : undefined;
    // Negative ids (foreign TLS sockets kept on node:tls) have no slot: they live in the map.
    if (entry.id >= 0 && (current === undefined || current.id === entry.id)) {
      this.bySlot.set(slot, entry);
    } else {
      (this.overflow ??= new Map()).set(entry.id, entry);
    }
  }

  /** Removes the entry of `id`; returns it, or undefined when there was none. */
  delete(id: SocketId): E | undefined {
    const slot = id % SLOT_SPAN;
    const entry = id >= 0 ? this.bySlot.get(slot) : undefined;
    if (entry !== undefined && entry.id === id) {
      this.bySlot.set(slot, undefined);
      return entry;
    }
    const other = this.overflow?.get(id);
    if (other !== undefined) this.overflow!.delete(id);
    return other;
  }

  /** Every entry, without removing them. */
  values(): E[] {
    const all = this.bySlot.values();
    if (this.overflow !== undefined) for (const entry of this.overflow.values()) all.push(entry);
    return all;
  }

  /** Removes every entry and returns them. */
  clear(): E[] {
    const all = this.bySlot.values();
    if (this.overflow !== undefined) for (const entry of this.overflow.values()) all.push(entry);
    this.bySlot.clear();
    this.overflow = undefined;
    return all;
  }
}
