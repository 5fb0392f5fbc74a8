/**
 * Topics for pub/sub: who is subscribed to what. Exact topic names only (no wildcards).
 */

/** A subscriber: whatever the registry's user publishes to. */
export interface Subscriber {
  /**
   * The topics this subscriber is in; the registry keeps it in step and creates it on the first
   * subscription (most sockets never subscribe: they pay nothing).
   */
  topics: Set<string> | undefined;
}

/** Told when a topic gets its first subscriber and when it loses its last (the broker seam). */
export interface TopicWatcher {
  first(topic: string): void;
  last(topic: string): void;
}

export class TopicRegistry<S extends Subscriber> {
  private readonly topics = new Map<string, Set<S>>();
  /** Set while the App has a broker. */
  watcher: TopicWatcher | undefined = undefined;

  /** Adds `subscriber` to `topic`. Returns the subscriber count before, or -1 if it was already in. */
  subscribe(subscriber: S, topic: string): number {
    let set = this.topics.get(topic);
    if (set === undefined) {
      this.topics.set(topic, (set = new Set()));
      this.watcher?.first(topic);
    } else if (set.has(subscriber)) return -1;
    const before = set.size;
    set.add(subscriber);
    (subscriber.topics ??= new Set()).add(topic);
    return before;
  }

  /** Removes `subscriber` from `topic`. Returns the subscriber count before, or -1 if it was not in. */
  unsubscribe(subscriber: S, topic: string): number {
    const set = this.topics.get(topic);
    if (set === undefined || !set.has(subscriber)) return -1;
    const before = set.size;
    set.delete(subscriber);
    subscriber.topics?.delete(topic);
    // Empty topics are forgotten: topic names must not pile up.
    if (set.size === 0) {
      this.topics.delete(topic);
      this.watcher?.last(topic);
    }
    return before;
  }

  /** The subscribers of `topic` (a live set: copy before changing subscriptions while iterating). */
  subscribers(topic: string): ReadonlySet<S> | undefined {
    return this.topics.get(topic);
  }

  /** Whether `topic` is a wildcard pattern here (never, until wildcard topics exist). */
  isPattern(_topic: string): boolean {
    return false;
  }

  /** Every topic with at least one subscriber. */
  names(): IterableIterator<string> {
    return this.topics.keys();
  }

  /** Number of subscribers of `topic`. */
  count(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }
}
