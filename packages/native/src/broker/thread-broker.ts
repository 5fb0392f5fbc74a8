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
import { Buffer } from 'node:buffer';
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
 * One post on the channel: the publishes of one JS task. Their payloads (text as UTF-8) are
 * packed into one ArrayBuffer, so a post is three objects to serialize however many messages it
 * holds (a Uint8Array per message made the channel ~3x slower: benchmarks/scale/thread-channel.mjs);
 * `meta` holds each message's end offset and flags. One post per task rather than per publish:
 * the receiving thread then sends a whole batch to its sockets with one flush (the epoll
 * transport flushes at the end of each task), not one flush per message.
 */
type Wire = [topics: string[], meta: Int32Array, bytes: ArrayBuffer];

const INITIAL_BATCH_BYTES = 4096;

/** A broker across the worker threads of one process, on a `BroadcastChannel` (see the file's header). */
export class ThreadBroker extends BrokerBase {
  /** The channel name (see {@link ThreadBrokerOptions.channel}). */
  readonly channelName: string;
  private channel: BroadcastChannel | undefined = undefined;
  private closed = false;
  /** Publishes of the current task, posted together at its end: topics, [end, flags]..., bytes. */
  private topics: string[] = [];
  private meta: number[] = [];
  /** Payloads of the batch, packed (reused from batch to batch; grows as needed). */
  private bytes: Buffer = Buffer.allocUnsafeSlow(INITIAL_BATCH_BYTES);
  private used = 0;
  private readonly post = (): void => {
    const topics = this.topics;
    if (topics.length === 0) return;
    const meta = Int32Array.from(this.meta);
    const bytes = (this.bytes.buffer as ArrayBuffer).slice(this.bytes.byteOffset, this.bytes.byteOffset + this.used);
    this.topics = [];
    this.meta = [];
    this.used = 0;
    if (this.channel === undefined) {
      this.drop(topics.length, 'closed');
      return;
    }
    this.channel.postMessage([topics, meta, bytes] satisfies Wire);
    this.stats.published += topics.length;
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
    // Copied now (packed into the batch): the caller may reuse its buffer once publish returns,
    // and the batch goes at the end of the task.
    const length = typeof message === 'string' ? Buffer.byteLength(message, 'utf8') : message.byteLength;
    this.reserve(length);
    if (typeof message === 'string') this.bytes.write(message, this.used, 'utf8');
    else this.bytes.set(message, this.used);
    this.used += length;
    if (this.topics.length === 0) queueMicrotask(this.post);
    this.topics.push(topic);
    this.meta.push(this.used, (isBinary ? BINARY : 0) | (compress ? COMPRESS : 0));
  }

  /** Room for `length` more bytes in the batch. */
  private reserve(length: number): void {
    if (this.used + length <= this.bytes.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.bytes.length * 2, this.used + length));
    this.bytes.copy(grown, 0, 0, this.used);
    this.bytes = grown;
  }

  close(): void {
    this.closed = true;
    // Publishes of this task still go (the App closes after its last publish).
    this.post();
    const channel = this.channel;
    this.channel = undefined;
    channel?.close();
  }

  private receive(wire: Wire): void {
    if (this.channel === undefined || !Array.isArray(wire)) return;
    const [topics, meta, buffer] = wire;
    const bytes = new Uint8Array(buffer);
    let start = 0;
    for (let i = 0; i < topics.length; i++) {
      const end = meta[2 * i];
      const flags = meta[2 * i + 1];
      this.deliver(topics[i], bytes.subarray(start, end), (flags & BINARY) !== 0, (flags & COMPRESS) !== 0);
      start = end;
    }
  }
}
