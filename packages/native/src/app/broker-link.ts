/**
 * The App's side of the broker seam: forwards first-subscribe / last-unsubscribe and local
 * publishes to the broker, and hands the broker's messages to local subscribers only. Whatever
 * the broker throws is caught here and becomes the broker's failure (an event and a counter):
 * `publish` and `subscribe` never throw because of a broker.
 */
import type { Broker, BrokerHost } from '../broker/broker.js';
import type { AppCore } from './app-core.js';
import type { TopicWatcher } from './topic-registry.js';
import { deliverToTopic } from './topic-publish.js';

export class BrokerLink implements BrokerHost, TopicWatcher {
  constructor(
    private readonly core: AppCore,
    readonly broker: Broker,
  ) {}

  // ---- BrokerHost --------------------------------------------------------------------------

  deliver(topic: string, message: Uint8Array | string, isBinary: boolean, compress: boolean): boolean {
    return deliverToTopic(this.core, topic, message, isBinary, compress, undefined);
  }

  topics(): IterableIterator<string> {
    return this.core.topics.names();
  }

  isPattern(topic: string): boolean {
    return this.core.topics.isPattern(topic);
  }

  // ---- TopicWatcher ------------------------------------------------------------------------

  first(topic: string): void {
    try {
      this.broker.subscribe(topic);
    } catch (error) {
      this.broker.fail(error);
    }
  }

  last(topic: string): void {
    try {
      this.broker.unsubscribe(topic);
    } catch (error) {
      this.broker.fail(error);
    }
  }

  // ---- from the App ------------------------------------------------------------------------

  publish(topic: string, message: Uint8Array | string, isBinary: boolean, compress: boolean, fromSocket: boolean): void {
    try {
      this.broker.publish(topic, message, isBinary, compress, fromSocket);
    } catch (error) {
      this.broker.fail(error);
    }
  }

  /** After every socket closed: lets the broker go (its failures are reported, never thrown). */
  close(): void {
    try {
      const closing = this.broker.close();
      if (closing !== undefined) closing.catch((error: unknown) => this.broker.fail(error));
    } catch (error) {
      this.broker.fail(error);
    }
  }
}
