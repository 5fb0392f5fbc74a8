/**
 * The owner of each socket slot, for the native loop's event dispatch.
 *
 * A thread has few owners (one per transport) and many slots, so each slot holds a small owner
 * number in a typed array instead of a reference in a JS array: the table lives outside V8's
 * heap, and no per-connection bytes are copied by scavenges while a burst of connections opens
 * (bytes that survive scavenges make V8 grow its young generation, RSS that stays). An owner's
 * number is given back when its last slot is cleared, so a closed transport is not kept alive.
 */

/** Slots the table starts with; it doubles when a higher slot is set. */
const INITIAL_SLOTS = 1024;
/** Owner number of a slot that has none. */
const NONE = 0;

export class SlotOwners<T extends object> {
  /** Owner number of each slot ({@link NONE} for none). */
  private slots = new Uint32Array(INITIAL_SLOTS);
  /** Owners by number (index 0 unused), and how many slots each holds. */
  private readonly owners: (T | undefined)[] = [undefined];
  private readonly counts: number[] = [0];
  private readonly numbers = new Map<T, number>();
  /** Numbers given back, reused before new ones. */
  private readonly free: number[] = [];

  /** The owner of `slot`, or undefined. */
  get(slot: number): T | undefined {
    const n = slot < this.slots.length ? this.slots[slot] : NONE;
    return n === NONE ? undefined : this.owners[n];
  }

  /** Makes `owner` the owner of `slot` (undefined clears it). */
  set(slot: number, owner: T | undefined): void {
    const old = slot < this.slots.length ? this.slots[slot] : NONE;
    const n = owner === undefined ? NONE : (this.numbers.get(owner) ?? this.register(owner));
    if (n === old) return;
    if (slot >= this.slots.length) this.grow(slot + 1);
    this.slots[slot] = n;
    if (n !== NONE) this.counts[n]++;
    if (old !== NONE && --this.counts[old] === 0) this.release(old);
  }

  /** Owners that hold at least one slot (for tests and diagnostics). */
  get ownerCount(): number {
    return this.numbers.size;
  }

  private register(owner: T): number {
    const n = this.free.pop() ?? this.owners.length;
    this.owners[n] = owner;
    this.counts[n] = 0;
    this.numbers.set(owner, n);
    return n;
  }

  private release(n: number): void {
    this.numbers.delete(this.owners[n]!);
    this.owners[n] = undefined;
    this.free.push(n);
  }

  private grow(min: number): void {
    let size = this.slots.length * 2;
    while (size < min) size *= 2;
    const slots = new Uint32Array(size);
    slots.set(this.slots);
    this.slots = slots;
  }
}
