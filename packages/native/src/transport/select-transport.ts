/**
 * Picking a transport by name. `'auto'` is the fastest one that works here.
 */
import { EpollTransport } from './epoll-transport.js';
import { loadAddon } from './native-binding.js';
import { NodeTransport } from './node-transport.js';
import type { Transport } from './transport.js';

/**
 * Which transport to run on: `'auto'` (epoll when the native addon loads, else node:net),
 * `'node'` (node:net, everywhere), `'epoll'` (the native addon, Linux), or a `Transport`
 * instance that is not started yet.
 */
export type TransportChoice = 'auto' | 'node' | 'epoll' | Transport;

/** Whether the native epoll transport can run in this process. */
export function epollAvailable(): boolean {
  try {
    loadAddon();
    return true;
  } catch {
    return false;
  }
}

let fallbackNoticed = false;

/**
 * One line on stderr, once per process, the first time `'auto'` settles for node:net: the user
 * should know the native transport is not running (and why), without a flood per socket.
 * `transport: 'node'` asks for node:net on purpose and prints nothing.
 */
function noticeNodeFallback(): void {
  if (fallbackNoticed) return;
  fallbackNoticed = true;
  let reason = 'unknown reason';
  try {
    loadAddon();
  } catch (err) {
    reason = (err as Error).message.split('\n')[0];
  }
  console.warn(`@uws/native: transport 'auto' runs on node:net (${reason}); pass transport: 'node' to choose it without this notice`);
}

/**
 * Creates (or passes through) a transport.
 * @throws {Error} for `'epoll'` when the native addon cannot be used, with the reason; for an
 * unknown name.
 */
export function createTransport(kind: TransportChoice = 'auto'): Transport {
  if (typeof kind === 'object' && kind !== null) return kind;
  switch (kind) {
    case 'auto':
      if (epollAvailable()) return new EpollTransport();
      noticeNodeFallback();
      return new NodeTransport();
    case 'node':
      return new NodeTransport();
    case 'epoll':
      loadAddon(); // throws "the native addon is not available: <reason>"
      return new EpollTransport();
    default:
      throw new TypeError(`unknown transport ${JSON.stringify(kind)}: expected 'auto', 'node', 'epoll' or a Transport`);
  }
}
