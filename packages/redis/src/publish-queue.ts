/**
 * Publishes on their way to Redis, bounded: those waiting for the connection (Redis unreachable,
 * or not connected yet) and those sent but not yet answered (a slow Redis) count against one
 * limit in bytes and one in messages. Past either, a publish is dropped — counted by the broker,
 * never buffered without bound. Waiting publishes go out in order once the connection is back.
 */
import type { Buffer } from 'node:buffer';

export interface QueueLimits {
  /** Most bytes (envelopes) waiting or in flight. */
  readonly maxBytes: number;
  /** Most messages waiting or in flight. */
  readonly maxMessages: number;
}

interface Waiting {
  channel: string;
  envelope: Buffer;
}

export class PublishQueue {
  private waiting: Waiting[] = [];
  /** Bytes and messages waiting or in flight. */
  bytes = 0;
  messages = 0;

  constructor(readonly limits: QueueLimits) {}

  /** Whether a message of `size` bytes fits. */
  fits(size: number): boolean {
    return this.bytes + size <= this.limits.maxBytes && this.messages + 1 <= this.limits.maxMessages;
  }

  /** Counts a message as on its way (in flight or waiting). */
  take(size: number): void {
    this.bytes += size;
    this.messages++;
  }

  /** `count` messages of `size` bytes in all left: answered, failed or dropped. */
  release(size: number, count = 1): void {
    this.bytes -= size;
    this.messages -= count;
  }

  get hasWaiting(): boolean {
    return this.waiting.length > 0;
  }

  /** Keeps a publish until the connection is back (it must fit: see `fits`, then `take`). */
  wait(channel: string, envelope: Buffer): void {
    this.waiting.push({ channel, envelope });
  }

  /** Takes every waiting publish, oldest first. */
  drain(): Waiting[] {
    const out = this.waiting;
    this.waiting = [];
    return out;
  }
}
