/**
 * Topics for pub/sub: who is subscribed to what. Exact topic names; with `wildcards` on, also
 * MQTT-style patterns (`a/+/c`, `a/#`: see topic-patterns.ts), kept apart so exact topics cost
 * the same with wildcards on as off while no pattern has subscribers.
 */
import { TopicPatterns, isWildcardPattern, validatePattern, validateTopicName } from './topic-patterns.js';

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
  /** Wildcard patterns, when on. */
  private readonly patterns: TopicPatterns<S> | undefined;
  /** Set while the App has a broker. */
  watcher: TopicWatcher | undefined = undefined;

  constructor(wildcards = false) {
    this.patterns = wildcards ? new TopicPatterns() : undefined;
  }

  /** Whether MQTT-style wildcard patterns are on. */
  get wildcards(): boolean {
    return this.patterns !== undefined;
  }

  /**
   * Adds `subscriber` to `topic`. Returns the subscriber count before, or -1 if it was already in.
   * @throws {RangeError} with wildcards on, for an invalid filter (`a+`, `a/#/b`).
   */
  subscribe(subscriber: S, topic: string): number {
    const pattern = this.patterns !== undefined && isWildcardPattern(topic);
    if (pattern) validatePattern(topic);
    let set = pattern ? this.patterns.set(topic, false) : this.topics.get(topic);
    if (set === undefined) {
      if (pattern) set = this.patterns.set(topic, true)!;
      else this.topics.set(topic, (set = new Set()));
      this.watcher?.first(topic);
    } else if (set.has(subscriber)) return -1;
    const before = set.size;
    set.add(subscriber);
    (subscriber.topics ??= new Set()).add(topic);
    return before;
  }

  /** Removes `subscriber` from `topic`. Returns the subscriber count before, or -1 if it was not in. */
  unsubscribe(subscriber: S, topic: string): number {
    const pattern = this.patterns !== undefined && isWildcardPattern(topic);
    const set = pattern ? this.patterns.set(topic, false) : this.topics.get(topic);
    if (set === undefined || !set.has(subscriber)) return -1;
    const before = set.size;
    set.delete(subscriber);
    subscriber.topics?.delete(topic);
    // Empty topics are forgotten: topic names must not pile up.
    if (set.size === 0) {
      if (pattern) this.patterns.remove(topic);
      else this.topics.delete(topic);
      this.watcher?.last(topic);
    }
    return before;
  }

  /**
   * The subscribers a publish to `topic` reaches (a live set while no pattern matches: copy
   * before changing subscriptions while iterating). With patterns, a subscriber matched by
   * several (or by the topic and a pattern) is in the answer once.
   * @throws {RangeError} with wildcards on, for a topic name holding `+` or `#`.
   */
  subscribers(topic: string): ReadonlySet<S> | undefined {
    const exact = this.topics.get(topic);
    const patterns = this.patterns;
    if (patterns === undefined) return exact;
    validateTopicName(topic);
    if (patterns.size === 0) return exact;
    let all: Set<S> | undefined;
    patterns.match(topic, (set) => {
      if (all === undefined) all = new Set(exact);
      for (const s of set) all.add(s);
    });
    return all ?? exact;
  }

  /** Whether `topic` is a wildcard pattern here (never with wildcards off). */
  isPattern(topic: string): boolean {
    return this.patterns !== undefined && isWildcardPattern(topic);
  }

  /** Every topic and pattern with at least one subscriber. */
  *names(): IterableIterator<string> {
    yield* this.topics.keys();
    if (this.patterns !== undefined) yield* this.patterns.names();
  }

  /** Number of subscribers of `topic` (an exact topic, or a pattern as subscribed). */
  count(topic: string): number {
    if (this.patterns !== undefined && isWildcardPattern(topic)) return this.patterns.set(topic, false)?.size ?? 0;
    return this.topics.get(topic)?.size ?? 0;
  }
}
