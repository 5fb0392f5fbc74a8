/**
 * A broker in front of the App's real broker (ThreadBroker, RedisBroker) that lets the chat
 * itself take part in the topics, not only its sockets:
 *
 * - `listen(topic, handler)`: messages from other processes on a control topic go to the
 *   handler instead of to sockets (the chat's processes talk there: presence, history);
 * - `observe(handler)`: sees every message from elsewhere on the other topics before the sockets
 *   get it (the room history learns the lines said on other processes);
 * - `hold(topic)` / `release(topic)`: keeps a topic subscribed at the broker without a socket
 *   (a room whose history is being fetched, before the newcomer's socket subscribes);
 * - `publish(topic, text)` / `deliverLocal(topic, text)`: to the other processes only / to this
 *   process's sockets only.
 *
 * Everything else passes through unchanged: the App still tells the real broker its first
 * subscribes, last unsubscribes and publishes, and the real broker still counts and reports.
 */

const decoder = new TextDecoder('utf-8');

/**
 * @typedef {import('@uws/native').Broker} Broker
 * @typedef {import('@uws/native').BrokerHost} BrokerHost
 * @typedef {(text: string) => void} ControlHandler
 * @typedef {(topic: string, text: string) => void} Observer
 */

/** @implements {Broker} */
export class BrokerTap {
  /** @param {Broker} inner the broker that carries the messages */
  constructor(inner) {
    this.inner = inner;
    /** @type {BrokerHost | undefined} */
    this.host = undefined;
    /** control topic → handler @type {Map<string, ControlHandler>} */
    this.controls = new Map();
    /** @type {Observer | undefined} */
    this.observer = undefined;
    /** topics the App has local subscribers of @type {Set<string>} */
    this.appTopics = new Set();
    /** topics held by the chat → holders @type {Map<string, number>} */
    this.held = new Map();
    /** Called once from `close()` (the App closes its broker last, after every socket). @type {(() => void)[]} */
    this.onClose = [];
  }

  /** @param {string} topic @param {ControlHandler} handler */
  listen(topic, handler) {
    this.controls.set(topic, handler);
    if (this.host !== undefined) this.inner.subscribe(topic);
  }

  /** @param {Observer} observer */
  observe(observer) {
    this.observer = observer;
  }

  /** Keeps `topic` subscribed at the broker until as many `release`s. @param {string} topic */
  hold(topic) {
    const n = this.held.get(topic) ?? 0;
    this.held.set(topic, n + 1);
    if (n === 0 && !this.appTopics.has(topic)) this.inner.subscribe(topic);
  }

  /** @param {string} topic */
  release(topic) {
    const n = this.held.get(topic);
    if (n === undefined) return;
    if (n > 1) {
      this.held.set(topic, n - 1);
      return;
    }
    this.held.delete(topic);
    if (!this.appTopics.has(topic)) this.inner.unsubscribe(topic);
  }

  /** To the other processes only (this one's sockets do not get it). @param {string} topic @param {string} text */
  send(topic, text) {
    try {
      this.inner.publish(topic, text, false, false, false);
    } catch (error) {
      this.inner.fail(error);
    }
  }

  /** To this process's subscribers of `topic` only. @param {string} topic @param {string} text */
  deliverLocal(topic, text) {
    this.host?.deliver(topic, text, false, false);
  }

  // ---- Broker, as the App drives it ----------------------------------------------------------

  /** @param {BrokerHost} host */
  attach(host) {
    this.host = host;
    /** @type {BrokerHost} */
    const tapped = {
      deliver: (topic, message, isBinary, compress) => this.receive(host, topic, message, isBinary, compress),
      topics: () => this.topics(host),
      isPattern: (topic) => host.isPattern(topic),
    };
    for (const topic of host.topics()) this.appTopics.add(topic);
    this.inner.attach(tapped);
  }

  /** @param {BrokerHost} host */
  *topics(host) {
    yield* host.topics();
    yield* this.controls.keys();
    for (const topic of this.held.keys()) if (!this.appTopics.has(topic)) yield topic;
  }

  /** @param {string} topic */
  subscribe(topic) {
    this.appTopics.add(topic);
    if (!this.held.has(topic)) this.inner.subscribe(topic);
  }

  /** @param {string} topic */
  unsubscribe(topic) {
    this.appTopics.delete(topic);
    if (!this.held.has(topic)) this.inner.unsubscribe(topic);
  }

  /** @type {Broker['publish']} */
  publish(topic, message, isBinary, compress, fromSocket) {
    this.inner.publish(topic, message, isBinary, compress, fromSocket);
  }

  close() {
    for (const done of this.onClose.splice(0)) done();
    return this.inner.close();
  }

  /** @param {unknown} error */
  fail(error) {
    this.inner.fail(error);
  }

  /**
   * A message from elsewhere: a control topic's goes to its handler; any other is shown to the
   * observer, then delivered to the sockets.
   * @param {BrokerHost} host @param {string} topic @param {Uint8Array | string} message
   * @param {boolean} isBinary @param {boolean} compress
   */
  receive(host, topic, message, isBinary, compress) {
    const control = this.controls.get(topic);
    if (control !== undefined) {
      if (!isBinary) control(typeof message === 'string' ? message : decoder.decode(message));
      return false;
    }
    if (this.observer !== undefined && !isBinary) this.observer(topic, typeof message === 'string' ? message : decoder.decode(message));
    return host.deliver(topic, message, isBinary, compress);
  }
}
