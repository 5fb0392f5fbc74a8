/**
 * Compression streams shared by every connection of a thread, for messages whose context is
 * not kept (no context takeover): a deflater when our side starts afresh with each message,
 * an inflater when the peer does. Such a connection needs no stream of its own for a whole
 * message, since nothing of one message is kept for the next. One warm zlib stream per
 * setting instead of one per connection (~300 KiB per deflater, ~40 KiB per inflater at the
 * default memLevel and window) saves that memory and keeps the stream in the CPU cache.
 * Compression is synchronous: a message is always handled whole, and the stream reset,
 * before another can use it.
 */
import type { CompressionProvider, Deflater, DeflaterOptions, Inflater } from './streams.js';

/**
 * Most settings kept per provider; past it the cache starts over (connections that hold an
 * older stream keep using it; the rest are collected with their last user).
 */
const MAX_SETTINGS = 16;
const deflaters = new WeakMap<CompressionProvider, Map<string, Deflater>>();
const inflaters = new WeakMap<CompressionProvider, Map<number, Inflater>>();

/** The thread's deflater for `options`, made on first use. Reset it after every message. */
export function sharedDeflater(provider: CompressionProvider, options: DeflaterOptions): Deflater {
  let byKey = deflaters.get(provider);
  if (byKey === undefined) deflaters.set(provider, (byKey = new Map<string, Deflater>()));
  const key = `${options.windowBits} ${options.level} ${options.memLevel}`;
  let deflater = byKey.get(key);
  if (deflater === undefined) {
    if (byKey.size >= MAX_SETTINGS) byKey.clear();
    byKey.set(key, (deflater = provider.createDeflater(options)));
  }
  return deflater;
}

/** The thread's inflater for a peer window of `windowBits`, made on first use. Reset it after every message. */
export function sharedInflater(provider: CompressionProvider, windowBits: number): Inflater {
  let byBits = inflaters.get(provider);
  if (byBits === undefined) inflaters.set(provider, (byBits = new Map<number, Inflater>()));
  let inflater = byBits.get(windowBits);
  if (inflater === undefined) {
    if (byBits.size >= MAX_SETTINGS) byBits.clear();
    byBits.set(windowBits, (inflater = provider.createInflater(windowBits)));
  }
  return inflater;
}

/** Forgets a shared deflater that failed (zlib closes a stream on error): the next user makes a new one. */
export function discardSharedDeflater(provider: CompressionProvider, deflater: Deflater): void {
  const byKey = deflaters.get(provider);
  if (byKey !== undefined) for (const [key, d] of byKey) if (d === deflater) byKey.delete(key);
  closeQuietly(deflater);
}

/** Forgets a shared inflater that failed on bad input: the next user makes a new one. */
export function discardSharedInflater(provider: CompressionProvider, inflater: Inflater): void {
  const byBits = inflaters.get(provider);
  if (byBits !== undefined) for (const [bits, i] of byBits) if (i === inflater) byBits.delete(bits);
  closeQuietly(inflater);
}

function closeQuietly(stream: Deflater | Inflater): void {
  try {
    stream.close();
  } catch {
    // Already closed by its failure.
  }
}
