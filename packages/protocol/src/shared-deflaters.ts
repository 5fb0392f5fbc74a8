/**
 * Deflaters shared by every connection of a thread whose compressor starts afresh with each
 * message (no context takeover for our side): such a connection needs no compressor of its
 * own, since nothing of one message is kept for the next. One warm zlib stream per setting
 * instead of one per connection (~300 KiB each at the default memLevel and window) saves that
 * memory and keeps the stream in the CPU cache. Compression is synchronous, so a message is
 * always compressed whole, and the stream reset, before another can use it.
 */
import type { CompressionProvider, Deflater, DeflaterOptions } from './compression.js';

/**
 * Most settings kept per provider; past it the cache starts over (connections that hold an
 * older stream keep using it; the rest are collected with their last user).
 */
const MAX_SETTINGS = 16;
const byProvider = new WeakMap<CompressionProvider, Map<string, Deflater>>();

/** The thread's deflater for `options`, made on first use. Reset it after every message. */
export function sharedDeflater(provider: CompressionProvider, options: DeflaterOptions): Deflater {
  let byKey = byProvider.get(provider);
  if (byKey === undefined) byProvider.set(provider, (byKey = new Map()));
  const key = `${options.windowBits} ${options.level} ${options.memLevel}`;
  let deflater = byKey.get(key);
  if (deflater === undefined) {
    if (byKey.size >= MAX_SETTINGS) byKey.clear();
    byKey.set(key, (deflater = provider.createDeflater(options)));
  }
  return deflater;
}
