/**
 * Buffers that large received messages are assembled in, reused across the connections of a
 * thread when their handler declared messages valid only during its callback
 * (`ConnectionOptions.reuseMessageBuffers`): a stream of large messages then allocates no new
 * buffer per message, and no fresh pages fault in. Parsing is synchronous, so one pool per
 * thread (module state) serves every connection; the bounds keep what it holds small.
 */

/** Messages smaller than this use ordinary buffers (Node's Buffer pool already serves them). */
export const MIN_POOLED_MESSAGE_BYTES = 4096;
/** Most buffers kept. */
const MAX_POOLED_BUFFERS = 8;
/** Most bytes kept in total (a 16 MiB message and a few smaller ones). */
const MAX_POOLED_BYTES = 32 * 1024 * 1024;
/** Capacities are rounded up to this, so messages of nearby sizes share buffers. */
const GRANULE = 64 * 1024;

const free: ArrayBuffer[] = [];
let freeBytes = 0;

/**
 * A buffer of exactly `length` bytes (contents undefined): from the pool when one is large
 * enough (the smallest such), else fresh. Give it back with {@link releaseMessageBuffer} once
 * the message was handled.
 */
export function takeMessageBuffer(length: number): Uint8Array {
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const size = free[i].byteLength;
    if (size >= length && (best < 0 || size < free[best].byteLength)) best = i;
  }
  if (best >= 0) {
    const buffer = free[best];
    free[best] = free[free.length - 1];
    free.pop();
    freeBytes -= buffer.byteLength;
    return new Uint8Array(buffer, 0, length);
  }
  const capacity = Math.ceil(length / GRANULE) * GRANULE;
  // Not zero-filled: every byte is written before the message is delivered.
  return new Uint8Array(Buffer.allocUnsafeSlow(capacity).buffer, 0, length);
}

/** Returns a buffer from {@link takeMessageBuffer}; kept for reuse while the pool has room. */
export function releaseMessageBuffer(bytes: Uint8Array): void {
  const buffer = bytes.buffer as ArrayBuffer;
  if (free.length >= MAX_POOLED_BUFFERS || freeBytes + buffer.byteLength > MAX_POOLED_BYTES) return;
  free.push(buffer);
  freeBytes += buffer.byteLength;
}

/** Bytes the pool holds now (for tests). */
export function pooledMessageBytes(): number {
  return freeBytes;
}
