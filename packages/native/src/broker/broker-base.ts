/**
 * What every broker shares: the App it serves, its counters, and failures as events. A failure
 * never throws: it is counted, emitted as `'error'` when someone listens, and otherwise turned
 * into a process warning (an unhandled `'error'` event would crash the process), once per
 * distinct message and at most 20 in all.
 */
import { EventEmitter } from 'node:events';
import type { Broker, BrokerEvents, BrokerHost, BrokerStats } from './broker.js';

/** Most distinct process warnings a broker gives when nobody listens for `'error'`. */
const MAX_WARNINGS = 20;

/** The base of a broker of your own: counters, `'error'`/`'drop'` events and warnings done; implement the {@link Broker} calls. */
export abstract class BrokerBase extends EventEmitter<BrokerEvents> implements Broker {
  /** See {@link BrokerStats}. */
  readonly stats: BrokerStats = { published: 0, received: 0, dropped: 0, errors: 0 };
  /** Warnings already given (when nobody listens for 'error'). */
  private readonly warned = new Set<string>();
  /** The App this broker serves, once attached. */
  protected host: BrokerHost | undefined = undefined;

  attach(host: BrokerHost): void {
    if (this.host !== undefined) throw new Error('this broker is already attached to an App: give each App its own broker');
    this.host = host;
    this.onAttach(host);
  }

  /** Subclasses start here: subscribe to `host.topics()`. */
  protected abstract onAttach(host: BrokerHost): void;
  abstract subscribe(topic: string): void;
  abstract unsubscribe(topic: string): void;
  abstract publish(topic: string, message: Uint8Array | string, isBinary: boolean, compress: boolean, fromSocket: boolean): void;
  abstract close(): Promise<void> | void;

  fail(error: unknown): void {
    this.stats.errors++;
    const err = error instanceof Error ? error : new Error(String(error));
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else if (this.warned.size < MAX_WARNINGS && !this.warned.has(err.message)) {
      // Once per distinct message: a Redis outage repeats the same error at every reconnect attempt.
      this.warned.add(err.message);
      process.emitWarning(err.message, { type: 'UwsBrokerWarning', detail: 'add an error listener to the broker to handle broker failures' });
    }
  }

  /** Counts `count` messages that never left, with a `'drop'` event. */
  protected drop(count: number, reason: string): void {
    this.stats.dropped += count;
    if (this.listenerCount('drop') > 0) this.emit('drop', count, reason);
  }

  /** Hands a message from elsewhere to the App. */
  protected deliver(topic: string, message: Uint8Array | string, isBinary: boolean, compress: boolean): void {
    const host = this.host;
    if (host === undefined) return;
    this.stats.received++;
    try {
      host.deliver(topic, message, isBinary, compress);
    } catch (error) {
      this.fail(error);
    }
  }
}
