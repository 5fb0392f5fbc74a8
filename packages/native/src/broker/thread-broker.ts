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

/** One message on the channel: topic, payload (text as a string, bytes exactly), flags. */
type Wire = [topic: string, message: Uint8Array | string, flags: number];

export class ThreadBroker extends BrokerBase {
  /** The channel name (see {@link ThreadBrokerOptions.channel}). */
  readonly channelName: string;
  private channel: BroadcastChannel | undefined = undefined;
  private closed = false;

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
    // Structured clone copies a view's whole ArrayBuffer (a Buffer may sit in an 8 KB pool):
    // send exactly the message's bytes.
    const payload = typeof message === 'string' || (message.byteOffset === 0 && message.byteLength === message.buffer.byteLength) ? message : message.slice();
    channel.postMessage([topic, payload, (isBinary ? BINARY : 0) | (compress ? COMPRESS : 0)] satisfies Wire);
    this.stats.published++;
  }

  close(): void {
    this.closed = true;
    const channel = this.channel;
    this.channel = undefined;
    channel?.close();
  }

  private receive(wire: Wire): void {
    if (this.channel === undefined || !Array.isArray(wire)) return;
    const [topic, message, flags] = wire;
    this.deliver(topic, message, (flags & BINARY) !== 0, (flags & COMPRESS) !== 0);
  }
}
