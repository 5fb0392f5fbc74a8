/**
 * The broker seam: how an App's topics reach other threads, processes and machines. An App
 * given a broker (`app.useBroker(broker)`) keeps delivering to its own subscribers natively and
 * tells the broker only two things: which topics have local subscribers (subscribe on the first,
 * unsubscribe after the last) and what is published here. The broker hands messages published
 * elsewhere back through {@link BrokerHost.deliver}, which reaches local subscribers only (never
 * the broker again: no echo loops).
 */

/** What an App gives the broker it was attached to. */
export interface BrokerHost {
  /**
   * Delivers a message published elsewhere to this App's local subscribers of `topic` (wildcard
   * subscriptions included when the App has them on), never back to the broker. `message` may be
   * reused by the broker once this returns. Returns true when at least one subscriber was sent it.
   */
  deliver(topic: string, message: Uint8Array | string, isBinary: boolean, compress: boolean): boolean;
  /** The topics (and wildcard patterns) that have at least one local subscriber right now. */
  topics(): IterableIterator<string>;
  /**
   * Whether `topic` is an MQTT-style pattern (`+`, `#` levels) on this App: only when the App was
   * made with `wildcardTopics`; otherwise every topic is an exact name.
   */
  isPattern(topic: string): boolean;
}

/**
 * A broker as the App drives it. Every method is called synchronously from the App's thread and
 * must not block; a method that throws is caught by the App and counted as an error (see
 * {@link BrokerEvents}), never rethrown out of `publish` or `subscribe`.
 */
export interface Broker {
  /**
   * Called once by `app.useBroker(this)`, before any other method. The broker subscribes to
   * whatever `host.topics()` already lists (sockets may have subscribed before).
   * @throws {Error} when this broker is already attached to an App (one broker per App).
   */
  attach(host: BrokerHost): void;
  /** `topic` got its first local subscriber. */
  subscribe(topic: string): void;
  /** `topic` lost its last local subscriber. */
  unsubscribe(topic: string): void;
  /**
   * A message was published on this App (already delivered locally). `message` is valid only
   * during the call (the user may reuse its buffer): a broker that sends later copies it.
   * `fromSocket` is true for `ws.publish` (which skipped its sender locally; the sender is never
   * a remote subscriber, so elsewhere it reaches every subscriber), false for `app.publish`.
   */
  publish(topic: string, message: Uint8Array | string, isBinary: boolean, compress: boolean, fromSocket: boolean): void;
  /**
   * `app.close()` ends with this, after every socket closed (and so after every unsubscribe):
   * the broker lets go of its connections. An App owns the broker it was given.
   */
  close(): Promise<void> | void;
  /** Records a failure the App caught from one of the calls above (an `'error'` event + a counter). */
  fail(error: unknown): void;
}

/** Counters every {@link BrokerBase} keeps (monotonic, since it was created). */
export interface BrokerStats {
  /** Messages published here and handed on by the broker. */
  published: number;
  /** Messages from elsewhere handed to the App (`deliver`). */
  received: number;
  /** Messages published here that never left: queue full, broker closed or failed. */
  dropped: number;
  /** Failures: each was an `'error'` event (or a process warning when nobody listened). */
  errors: number;
}

/** Events of a {@link BrokerBase}. */
export interface BrokerEvents {
  /** A failure (connection lost, a command refused, a method that threw). Never thrown. */
  error: [error: Error];
  /** `count` published messages were dropped; `reason` says why. */
  drop: [count: number, reason: string];
}
