/**
 * A broker on Redis pub/sub (`SUBSCRIBE`/`PUBLISH`, or sharded `SSUBSCRIBE`/`SPUBLISH` on Redis 7+)
 * through node-redis: one connection publishes, one subscribes, per broker (so per App). Every
 * topic with a local subscriber is one Redis channel (`prefix + topic`); a publish here is an
 * envelope (see envelope.ts) that every other broker subscribed to the channel delivers to its
 * local subscribers, and that this broker skips when Redis hands it back. The publishes of one
 * task to one channel go as one `PUBLISH` (a batch) when the task's microtasks run; a publish
 * to another channel sends the batch before it, so the order of publishes holds across channels.
 *
 * Redis unreachable: node-redis reconnects by itself (with `reconnectDelay`) and restores every
 * subscription; publishes wait in a bounded queue meanwhile and go out in order once the
 * connection is back, and past the bound are dropped (`stats.dropped`, a `'drop'` event). Local
 * delivery never waits for Redis. Delivery across Redis is at most once: what is published while
 * a subscriber's own connection is down does not reach it (Redis pub/sub keeps nothing).
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { createClient, type RedisClientOptions } from '@redis/client';
import { BrokerBase, type BrokerHost } from '@uws/native';
import { type Envelope, encodeBatch, encodeEnvelope, envelopesOf, ORIGIN_BYTES } from './envelope.js';
import { PublishQueue } from './publish-queue.js';
import { Subscriptions } from './subscriptions.js';

/** Options of {@link RedisBroker}. */
export interface RedisBrokerOptions {
  /** The Redis server (`redis://[[user]:password@]host[:port][/db]`, `rediss://` for TLS). Default: `'redis://127.0.0.1:6379'`. */
  url?: string;
  /**
   * More node-redis client options (socket, TLS, credentials...), for both connections. Default:
   * none. `disableOfflineQueue` is set for the publishing connection (this broker queues itself).
   */
  redis?: RedisClientOptions;
  /** Prefix of every channel name: Apps share topics when they share Redis and prefix. Default: `'uws:'`. */
  prefix?: string;
  /**
   * Sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`, Redis 7+): channels spread over a cluster's shards.
   * Wildcard patterns cannot be subscribed this way (Redis has no sharded pattern subscribe):
   * such a subscribe is an `'error'` event. Default: false.
   */
  sharded?: boolean;
  /** Most bytes of publishes waiting for Redis or not yet answered by it; more are dropped. Default: 8 MiB. */
  maxQueuedBytes?: number;
  /** Most publishes waiting for Redis or not yet answered by it; more are dropped. Default: 10 000. */
  maxQueuedMessages?: number;
  /** Milliseconds between reconnect attempts while Redis is unreachable (node-redis reconnects). Default: 200. */
  reconnectDelay?: number;
}

const DEFAULTS = {
  url: 'redis://127.0.0.1:6379',
  prefix: 'uws:',
  maxQueuedBytes: 8 * 1024 * 1024,
  maxQueuedMessages: 10_000,
  reconnectDelay: 200,
};

type Client = ReturnType<typeof createClient>;

/** A broker across processes and machines on Redis pub/sub: `App({ broker: new RedisBroker({ url }) })`. */
export class RedisBroker extends BrokerBase {
  /** This broker's id in every envelope it publishes (random, 8 bytes). */
  readonly origin: Buffer = randomBytes(ORIGIN_BYTES);
  readonly prefix: string;
  readonly sharded: boolean;
  private readonly pub: Client;
  private readonly sub: Client;
  private readonly queue: PublishQueue;
  private readonly subscriptions: Subscriptions;
  private seq = 0;
  private closed = false;
  /** The last envelope delivered (a message matched by a channel and a pattern arrives twice or more, back to back). */
  private lastOrigin: Buffer | undefined = undefined;
  private lastSeq = -1;
  private started: Promise<void> | undefined = undefined;
  private closing: Promise<void> | undefined = undefined;
  /**
   * Envelopes of this task to `batchChannel`, not sent yet, and their bytes. One array, emptied
   * after each send (a fresh `[]` has another elements kind than a filled one: every publish's
   * `push` and `length` would see two shapes).
   */
  private readonly batch: Buffer[] = [];
  private batchChannel = '';
  private batchBytes = 0;
  private batchScheduled = false;
  private readonly sendBatchTask = (): void => {
    this.batchScheduled = false;
    this.sendBatch();
  };

  constructor(options: RedisBrokerOptions = {}) {
    super();
    this.prefix = options.prefix ?? DEFAULTS.prefix;
    this.sharded = options.sharded ?? false;
    this.queue = new PublishQueue({
      maxBytes: positive(options.maxQueuedBytes, DEFAULTS.maxQueuedBytes, 'maxQueuedBytes'),
      maxMessages: positive(options.maxQueuedMessages, DEFAULTS.maxQueuedMessages, 'maxQueuedMessages'),
    });
    const delay = positive(options.reconnectDelay, DEFAULTS.reconnectDelay, 'reconnectDelay');
    const base: RedisClientOptions = {
      ...options.redis,
      url: options.url ?? options.redis?.url ?? DEFAULTS.url,
      socket: { reconnectStrategy: () => delay, ...options.redis?.socket },
    };
    this.pub = createClient({ ...base, disableOfflineQueue: true });
    this.sub = createClient(base);
    for (const client of [this.pub, this.sub]) client.on('error', (error: Error) => this.fail(error));
    this.pub.on('ready', () => this.flush());
    const listener = (message: Buffer, channel: Buffer): void => this.receive(message, channel);
    this.subscriptions = new Subscriptions(this.sub, listener, this.prefix, this.sharded, (error) => this.fail(error));
    this.sub.on('ready', () => this.subscriptions.resync());
  }

  /** Whether both connections are up. */
  get connected(): boolean {
    return this.pub.isReady && this.sub.isReady;
  }

  /** Publishes waiting for Redis or not yet answered (see `maxQueuedMessages`). */
  get queued(): number {
    return this.queue.messages;
  }

  /** Resolves once both connections are up the first time (rejects if the first connect fails for good). */
  ready(): Promise<void> {
    return (this.started ??= this.start());
  }

  protected onAttach(host: BrokerHost): void {
    this.ready().catch((error: unknown) => this.fail(error));
    for (const topic of host.topics()) this.subscribe(topic);
  }

  subscribe(topic: string): void {
    this.subscriptions.want(topic, this.host?.isPattern(topic) ?? false);
  }

  unsubscribe(topic: string): void {
    this.subscriptions.unwant(topic);
  }

  publish(topic: string, message: Uint8Array | string, isBinary: boolean, compress: boolean, fromSocket: boolean): void {
    if (this.closed) {
      this.drop(1, 'closed');
      return;
    }
    const envelope = encodeEnvelope(this.origin, this.seq++, message, isBinary, compress, fromSocket);
    if (!this.queue.fits(envelope.length)) {
      this.drop(1, this.pub.isReady ? 'queue full (Redis is slow)' : 'queue full (Redis unreachable)');
      return;
    }
    this.queue.take(envelope.length);
    const channel = this.prefix + topic;
    // Waiting publishes go first: order per publisher holds across an outage.
    if (this.pub.isReady && !this.queue.hasWaiting) {
      this.addToBatch(channel, envelope);
      if (!this.batchScheduled) {
        this.batchScheduled = true;
        queueMicrotask(this.sendBatchTask);
      }
    } else this.queue.wait(channel, envelope);
  }

  /** Sends what waits if Redis is there (drops the rest, counted) and closes both connections. */
  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    // This task's batch and the waiting publishes go out if Redis is there; what still waits
    // is dropped, and counted.
    this.sendBatch();
    if (this.pub.isReady) this.flush();
    const left = this.queue.drain();
    if (left.length > 0) {
      for (const w of left) this.queue.release(w.envelope.length);
      this.drop(left.length, 'closed while Redis was unreachable');
    }
    await Promise.all([this.pub, this.sub].map((client) => (client.isOpen ? client.close().catch(() => client.destroy()) : Promise.resolve())));
  }

  private async start(): Promise<void> {
    await Promise.all([this.pub.connect(), this.sub.connect()]);
  }

  /** Adds an envelope (already counted by the queue) to this task's batch, sending the batch first when it is for another channel or full. */
  private addToBatch(channel: string, envelope: Buffer): void {
    if (this.batch.length > 0 && (channel !== this.batchChannel || this.batchBytes + envelope.length > MAX_BATCH_BYTES)) this.sendBatch();
    this.batchChannel = channel;
    this.batch.push(envelope);
    this.batchBytes += envelope.length;
  }

  private sendBatch(): void {
    const envelopes = this.batch;
    if (envelopes.length === 0) return;
    const size = this.batchBytes;
    const count = envelopes.length;
    const message = count === 1 ? envelopes[0] : encodeBatch(envelopes);
    envelopes.length = 0;
    this.batchBytes = 0;
    this.send(this.batchChannel, message, count, size);
  }

  /** One `PUBLISH` of `count` messages (`size`: their envelopes' bytes, as the queue counted them). */
  private send(channel: string, message: Buffer, count: number, size: number): void {
    const sent = this.sharded ? this.pub.sPublish(channel, message) : this.pub.publish(channel, message);
    this.stats.published += count;
    sent.then(
      () => this.queue.release(size, count),
      (error: unknown) => {
        // Lost with the connection: it may or may not have reached Redis; never sent twice.
        this.queue.release(size, count);
        this.stats.published -= count;
        this.drop(count, `publish failed: ${(error as Error).message}`);
      },
    );
  }

  /** Sends the publishes that waited for the connection, batched as a task's are. */
  private flush(): void {
    for (const { channel, envelope } of this.queue.drain()) this.addToBatch(channel, envelope);
    this.sendBatch();
  }

  private receive(message: Buffer, channel: Buffer): void {
    let envelopes: Envelope[];
    try {
      envelopes = envelopesOf(message);
    } catch (error) {
      this.fail(new Error(`RedisBroker: channel ${channel.toString()}: ${(error as Error).message}`));
      return;
    }
    // Our own publishes, delivered here already: a batch is all one origin's.
    if (envelopes[0].origin.equals(this.origin)) return;
    const topic = channel.toString('utf8', Buffer.byteLength(this.prefix));
    for (const envelope of envelopes) {
      const sameOrigin = this.lastOrigin !== undefined && envelope.origin.equals(this.lastOrigin);
      // A message matched by a channel and a pattern arrives again right after (a batch too):
      // one origin's sequence numbers only go forward (u32, wrapping), so an old one is that.
      if (sameOrigin && !isAfter(envelope.seq, this.lastSeq)) continue;
      this.lastSeq = envelope.seq;
      // A copy only when the publisher changes (the received buffer is not ours to keep).
      if (!sameOrigin) this.lastOrigin = Buffer.from(envelope.origin);
      this.deliver(topic, envelope.payload, envelope.isBinary, envelope.compress);
    }
  }
}

/** Whether sequence number `seq` comes after `last` (serial number arithmetic on u32). */
function isAfter(seq: number, last: number): boolean {
  const ahead = (seq - last) >>> 0;
  return ahead !== 0 && ahead < 2 ** 31;
}

/** A batch grows up to this many bytes of envelopes; a larger message goes alone, uncopied. */
const MAX_BATCH_BYTES = 64 * 1024;

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`RedisBroker: ${name} must be a number > 0, got ${String(value)}`);
  return value;
}
