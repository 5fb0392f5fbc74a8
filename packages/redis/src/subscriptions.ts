/**
 * Keeps the subscribing connection's channels in step with the topics the App wants. One command
 * per topic at a time (a subscribe and an unsubscribe of one topic never race); a command lost
 * with the connection is sent again when it is back (node-redis restores only the subscriptions
 * Redis confirmed, so one in flight at the disconnect would otherwise be forgotten).
 */
import type { Buffer } from 'node:buffer';
import type { createClient } from '@redis/client';
import { globsFor } from './channel-names.js';

type Client = ReturnType<typeof createClient>;
type Listener = (message: Buffer, channel: Buffer) => void;

export class Subscriptions {
  /** Topic → whether it is an MQTT pattern: what the App has local subscribers for. */
  private readonly wanted = new Map<string, boolean>();
  /**
   * Topics Redis confirmed (node-redis restores these by itself after a reconnect), with what
   * they were subscribed as. A pattern gets a listener of its own: two patterns may share a glob,
   * and node-redis unsubscribes a glob only when its last listener goes.
   */
  private readonly active = new Map<string, { isPattern: boolean; listener: Listener }>();
  /** Topics with a command in flight. */
  private readonly busy = new Set<string>();

  constructor(
    private readonly client: Client,
    private readonly listener: Listener,
    private readonly prefix: string,
    private readonly sharded: boolean,
    private readonly fail: (error: Error) => void,
  ) {}

  want(topic: string, isPattern: boolean): void {
    this.wanted.set(topic, isPattern);
    this.sync(topic);
  }

  unwant(topic: string): void {
    this.wanted.delete(topic);
    this.sync(topic);
  }

  /** After a reconnect: whatever is not as wanted is sent again. */
  resync(): void {
    for (const topic of new Set([...this.wanted.keys(), ...this.active.keys()])) this.sync(topic);
  }

  /** Topics Redis confirmed. */
  get confirmed(): string[] {
    return [...this.active.keys()];
  }

  private sync(topic: string): void {
    if (this.busy.has(topic)) return; // its end calls sync again
    const want = this.wanted.has(topic);
    if (want === this.active.has(topic)) return;
    if (!this.client.isOpen) return; // not connected yet, or closed: resync() on ready
    let op: Promise<unknown>;
    const isPattern = want ? this.wanted.get(topic)! : this.active.get(topic)!.isPattern;
    const listener = want ? (isPattern ? (m: Buffer, c: Buffer) => this.listener(m, c) : this.listener) : this.active.get(topic)!.listener;
    try {
      op = want ? this.subscribe(topic, isPattern, listener) : this.unsubscribe(topic, isPattern, listener);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    this.busy.add(topic);
    op.then(
      () => {
        if (want) this.active.set(topic, { isPattern, listener });
        else this.active.delete(topic);
      },
      (error: Error) => this.fail(new Error(`RedisBroker: ${want ? 'subscribe' : 'unsubscribe'} ${topic}: ${error.message}`)),
    ).finally(() => {
      this.busy.delete(topic);
      // Changed meanwhile (wanted again, or not any more): one more round. A failed command
      // waits for the next 'ready' instead of spinning while Redis is away.
      if (this.client.isReady) this.sync(topic);
    });
  }

  private subscribe(topic: string, isPattern: boolean, listener: Listener): Promise<unknown> {
    if (isPattern) {
      if (this.sharded) throw new Error(`RedisBroker: wildcard topic ${topic} cannot be subscribed with sharded pub/sub (Redis has no sharded pattern subscribe)`);
      return this.client.pSubscribe(globsFor(this.prefix, topic), listener, true);
    }
    const channel = this.prefix + topic;
    return this.sharded ? this.client.sSubscribe(channel, listener, true) : this.client.subscribe(channel, listener, true);
  }

  private unsubscribe(topic: string, isPattern: boolean, listener: Listener): Promise<unknown> {
    if (isPattern) return this.client.pUnsubscribe(globsFor(this.prefix, topic), listener, true);
    const channel = this.prefix + topic;
    return this.sharded ? this.client.sUnsubscribe(channel, listener, true) : this.client.unsubscribe(channel, listener, true);
  }
}
