/**
 * The transports the integration suites run on: node:net always, epoll when the native addon
 * loads in this process.
 */
import { createTransport } from '../../src/transport/select-transport.js';

export type TransportKind = 'node' | 'epoll';

function available(kind: TransportKind): boolean {
  try {
    createTransport(kind).close();
    return true;
  } catch {
    return false;
  }
}

export const transportKinds: TransportKind[] = (['node', 'epoll'] as const).filter(available);

// On Linux the addon is built at install: if it did not load, the suites must not quietly run
// on node:net alone.
if (process.platform === 'linux' && !transportKinds.includes('epoll') && process.env.UWS_ALLOW_NO_EPOLL !== '1') {
  createTransport('epoll'); // throws the reason
}
