/**
 * NodeTransport adopts any Duplex (a stream pair from a proxy library, a test double), not only
 * a net.Socket: it has no setNoDelay and no peer address.
 */
import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { NodeTransport } from '../../src/transport/node-transport.js';
import type { SocketId } from '../../src/transport/transport.js';
import { waitFor } from '../support/app-harness.js';

describe('NodeTransport.adopt with a plain Duplex', () => {
  it('delivers the head and later bytes, writes back, and reports the close', async () => {
    const toTransport = new PassThrough();
    const fromTransport = new PassThrough();
    const duplex = Duplex.from({ readable: toTransport, writable: fromTransport });
    const transport = new NodeTransport();
    const got: string[] = [];
    const opens: number[] = [];
    let closed = -1;
    transport.start({
      onOpen: (_id, listener) => opens.push(listener),
      onData: (id: SocketId, data) => {
        got.push(Buffer.from(data).toString());
        transport.write(id, Buffer.from(`echo:${Buffer.from(data).toString()}`));
      },
      onDrain: () => {},
      onTimeout: () => {},
      onClose: (_id, errno) => (closed = errno),
    });
    let out = '';
    fromTransport.on('data', (c: Buffer) => (out += c.toString()));
    const id = transport.adopt(duplex as never, Buffer.from('head'));
    expect(transport.remoteAddress(id)).toBe('');
    await waitFor(() => opens.length === 1, 5000, 'open');
    expect(opens).toEqual([-2]);
    toTransport.write('more');
    await waitFor(() => out === 'echo:headecho:more', 5000, 'echoes');
    expect(got).toEqual(['head', 'more']);
    transport.destroy(id);
    await waitFor(() => closed >= 0, 5000, 'close');
    transport.close();
  });
});
