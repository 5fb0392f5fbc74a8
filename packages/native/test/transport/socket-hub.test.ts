/**
 * The socket hub over each real transport: accepted sockets reach the entry their listener
 * makes, connected ones the entry given to `connect`, events stop at close, and `defer`
 * batches callbacks onto the next tick.
 */
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport } from '../../src/transport/select-transport.js';
import { type HubEntry, SocketHub, hubFor } from '../../src/transport/socket-hub.js';
import type { SocketId } from '../../src/transport/transport.js';
import { HOST, waitFor } from '../support/app-harness.js';
import { transportKinds } from '../support/transports.js';

/** An entry that records the events the hub gives it. */
class Recorder implements HubEntry {
  readonly events: string[] = [];
  readonly bytes: Buffer[] = [];
  _onOpen(): void {
    this.events.push('open');
  }
  _onData(data: Uint8Array): void {
    this.bytes.push(Buffer.from(data)); // copied: the view is valid during the call only
  }
  _onDrain(): void {
    this.events.push('drain');
  }
  _onTimeout(): void {
    this.events.push('timeout');
  }
  _onClose(errno: number): void {
    this.events.push(`close:${errno === 0 ? 0 : 'err'}`);
  }
  get text(): string {
    return Buffer.concat(this.bytes).toString();
  }
}

const hubs: SocketHub[] = [];
afterEach(() => {
  for (const hub of hubs.splice(0)) hub.transport.close();
});

async function listening(hub: SocketHub, accept?: (id: SocketId) => HubEntry): Promise<{ port: number; listener: number }> {
  const handle = await hub.transport.listen({ host: HOST, port: 0 });
  if (accept !== undefined) hub.listeners.set(handle.id, (_hub, id) => accept(id));
  return { port: handle.port, listener: handle.id };
}

describe.each(transportKinds)('SocketHub (%s)', (kind) => {
  const setup = (): SocketHub => {
    const hub = new SocketHub(createTransport(kind));
    hubs.push(hub);
    return hub;
  };

  it('gives an accepted socket the entry its listener makes, its bytes, its timeout and its close', async () => {
    const hub = setup();
    const accepted: Array<[SocketId, Recorder]> = [];
    const { port } = await listening(hub, (id) => {
      const entry = new Recorder();
      accepted.push([id, entry]);
      hub.transport.setTimeout(id, 1);
      return entry;
    });
    const peer = net.connect({ host: HOST, port });
    await once(peer, 'connect');
    peer.write('hello hub');
    await waitFor(() => accepted.length === 1 && accepted[0][1].text === 'hello hub', 5000, 'bytes at the entry');
    const [id, entry] = accepted[0];
    expect(id).toBe(id | 0); // a small integer: stored without boxing
    expect(hub.entries.get(id)).toBe(entry);
    await waitFor(() => entry.events.includes('timeout'), 5000, 'the timeout');
    peer.end();
    await waitFor(() => entry.events.some((e) => e.startsWith('close')), 5000, 'the close');
    // Accepted sockets get no _onOpen: their entry is made when they open.
    expect(entry.events).toEqual(['timeout', 'close:0']);
    expect(hub.entries.get(id)).toBeUndefined();
    expect(hub.entries.size).toBe(0);
  });

  it('destroys a socket accepted on a listener nobody claimed', async () => {
    const hub = setup();
    const { port } = await listening(hub);
    const peer = net.connect({ host: HOST, port });
    peer.on('error', () => {}); // a reset is fine: the hub dropped it
    await once(peer, 'close');
    expect(hub.entries.size).toBe(0);
  });

  it('connects for an entry: _onOpen, then the bytes both ways, then the close; nothing after it', async () => {
    const hub = setup();
    let serverSide: Recorder | undefined;
    let serverId = 0;
    const { port } = await listening(hub, (id) => {
      serverId = id;
      return (serverSide = new Recorder());
    });
    const client = new Recorder();
    const id = hub.connect(HOST, port, client);
    expect(id).toBe(id | 0);
    expect(hub.entries.get(id)).toBe(client);
    await waitFor(() => client.events.includes('open'), 5000, 'the connect');
    hub.transport.write(id, Buffer.from('ping'));
    await waitFor(() => serverSide?.text === 'ping', 5000, 'bytes at the server side');
    hub.transport.write(serverId, Buffer.from('pong'));
    await waitFor(() => client.text === 'pong', 5000, 'bytes at the client side');
    hub.transport.destroy(id);
    await waitFor(() => client.events.length === 2 && serverSide!.events.length === 1, 5000, 'both closes');
    expect(client.events[0]).toBe('open');
    expect(client.events[1]).toMatch(/^close:/);
    expect(serverSide!.events[0]).toMatch(/^close:/);
    expect(hub.entries.get(id)).toBeUndefined();
    // A stale id: the transport drops the write, the hub has nobody to tell.
    expect(hub.transport.write(id, Buffer.from('late'))).toBe(false);
    expect(hub.entries.size).toBe(0);
  });
});

describe('SocketHub.defer', () => {
  it('runs the callbacks of one tick together on the next tick, in order, with null', async () => {
    const hub = new SocketHub(createTransport('node'));
    hubs.push(hub);
    const calls: string[] = [];
    hub.defer((error) => calls.push(`a:${String(error)}`));
    hub.defer((error) => calls.push(`b:${String(error)}`));
    calls.push('sync');
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(calls).toEqual(['sync', 'a:null', 'b:null']);
    hub.defer(() => calls.push('c'));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['sync', 'a:null', 'b:null', 'c']);
  });
});

describe('hubFor', () => {
  it('keeps one hub per transport kind, and one per given transport, which it starts', () => {
    expect(hubFor('node')).toBe(hubFor('node'));
    expect(hubFor('node').transport.kind).toBe('node');
    const transport = createTransport('node');
    const hub = hubFor(transport);
    hubs.push(hub);
    expect(hub.transport).toBe(transport);
    expect(hubFor(transport)).toBe(hub);
    expect(hub).not.toBe(hubFor('node'));
    expect(() => hubFor('nope' as 'node')).toThrow(/unknown transport "nope"/);
  });
});
