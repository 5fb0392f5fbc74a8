/**
 * The built-in broker across the worker threads of one process (and across Apps of one thread):
 * a `BroadcastChannel` that every App's ThreadBroker joins by name. A publish is serialized once
 * and each other thread's broker reads its own copy (one copy per thread, whatever the number of
 * subscribers there); the receiving App frames it once for all of its subscribers. Nothing is
 * sent back to the publishing broker (a BroadcastChannel never delivers to its sender).
 *
 * Every publish goes to every thread of the channel, which delivers it to its local subscribers
 * if it has any: there is no subscription state to keep in step between threads, so a thread that
 * exits (or closes its App) takes its subscriptions with it, and a thread that starts is in as
 * soon as its sockets subscribe.
 */
import { BroadcastChannel } from 'node:worker_threads';
import type { BrokerHost } from './broker.js';
import { BrokerBase } from './broker-base.js';

/** Options of {@link ThreadBroker}. */
export interface ThreadBrokerOptions {
  /**
   * Name of the channel: brokers with the same name (in any thread of this process) share their
   * topics. Default: `'uws:topics'`.
   */
  channel?: string;
}

const DEFAULT_CHANNEL = 'uws:topics';
// Flags of a message on the channel.
const BINARY = 1;
const COMPRESS = 2;

/**
 * One post on the channel: the publishes of one JS task, flattened as topic, payload (text as a
 * string, bytes exactly), flags, topic, payload, flags, ... One post per task rather than per
 * publish: the receiving thread then sends a whole batch to its sockets with one flush (the epoll
 * transport flushes at the end of each task), not one flush per message.
 */
type Wire = (string | Uint8Array | number)[];

export class ThreadBroker extends BrokerBase {
  /** The channel name (see {@link ThreadBrokerOptions.channel}). */
  readonly channelName: string;
  private channel: BroadcastChannel | undefined = undefined;
  private closed = false;
  /** Publishes of the current task, posted together at its end. */
  private pending: Wire = [];
  private readonly post = (): void => {
    const wire = this.pending;
    if (wire.length === 0) return;
    this.pending = [];
    if (this.channel === undefined) {
      this.drop(wire.length / 3, 'closed');
      return;
    }
    this.channel.postMessage(wire);
    this.stats.published += wire.length / 3;
  };

  constructor(options: ThreadBrokerOptions = {}) {
    super();
    const name = options.channel ?? DEFAULT_CHANNEL;
    if (typeof name !== 'string' || name === '') throw new TypeError('ThreadBroker: channel must be a non-empty string');
    this.channelName = name;
  }

  protected onAttach(_host: BrokerHost): void {
    if (this.closed) throw new Error('ThreadBroker: closed');
    const channel = new BroadcastChannel(this.channelName);
    channel.onmessage = (event) => this.receive((event as unknown as { data: Wire }).data);
    channel.onmessageerror = (event) => this.fail(new Error(`ThreadBroker: a message could not be read: ${String((event as unknown as { data: unknown }).data)}`));
    // The App's listeners keep the thread alive, not the channel.
    (channel as unknown as { unref?: () => void }).unref?.();
    this.channel = channel;
  }

  // Every thread gets every publish and filters by its own subscribers: nothing to tell.
  subscribe(_topic: string): void {}
  unsubscribe(_topic: string): void {}

  publish(topic: string, message: Uint8Array | string, isBinary: boolean, compress: boolean, _fromSocket = false): void {
    const channel = this.channel;
    if (channel === undefined) {
      this.drop(1, 'closed');
      return;
    }
    // Copied now: the caller may reuse its buffer once publish returns, and the post goes at the
    // end of the task. (Exactly the message's bytes: structured clone would copy a view's whole
    // ArrayBuffer, and a Buffer may sit in an 8 KB pool.)
    // (Uint8Array's slice: a Buffer's slice is a view, not a copy.)
    const payload = typeof message === 'string' ? message : Uint8Array.prototype.slice.call(message);
    if (this.pending.length === 0) queueMicrotask(this.post);
    this.pending.push(topic, payload, (isBinary ? BINARY : 0) | (compress ? COMPRESS : 0));
  }

  close(): void {
    this.closed = true;
    // Publishes of this task still go (the App closes after its last publish).
    if (this.pending.length > 0) this.post();
    const channel = this.channel;
    this.channel = undefined;
    channel?.close();
  }

  private receive(wire: Wire): void {
    if (this.channel === undefined || !Array.isArray(wire)) return;
    for (let i = 0; i + 2 < wire.length; i += 3) {
      const flags = wire[i + 2] as number;
      this.deliver(wire[i] as string, wire[i + 1] as Uint8Array | string, (flags & BINARY) !== 0, (flags & COMPRESS) !== 0);
    }
  }
}
