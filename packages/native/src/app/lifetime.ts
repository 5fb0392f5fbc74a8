/**
 * The `maxLifetime` timer of one WebSocket: its entry in the App's timer wheel. Made only for
 * routes that set `maxLifetime`, so a WebSocket without one carries a single empty field.
 */
import type { WheelEntry } from '../transport/timer-wheel.js';

/** What a lifetime ends: the WebSocket it belongs to. */
export interface LifetimeOwner {
  onLifetimeEnd(): void;
}

export class Lifetime implements WheelEntry {
  deadline = 0;
  bucket = 0;
  readonly owner: LifetimeOwner;

  constructor(owner: LifetimeOwner) {
    this.owner = owner;
  }
}
