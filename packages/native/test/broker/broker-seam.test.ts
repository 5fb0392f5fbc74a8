import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { SHARED_COMPRESSOR } from '../../src/app/compress-options.js';
import type { TemplatedApp } from '../../src/app/app.js';
import type { BrokerHost } from '../../src/broker/broker.js';
import { ThreadBroker } from '../../src/broker/thread-broker.js';
import { type Listening, listen, openClient, waitFor } from '../support/app-harness.js';
import { rawConnect, readUntil, upgradeRequest } from '../support/raw-socket.js';
import { transportKinds } from '../support/transports.js';

/** A ThreadBroker that also records what its App told it. */
class RecordingBroker extends ThreadBroker {
  readonly calls: string[] = [];
  attached: BrokerHost | undefined;
  protected override onAttach(host: BrokerHost): void {
    this.attached = host;
    this.calls.push(`attach ${[...host.topics()].join(',')}`);
    super.onAttach(host);
  }
  override subscribe(topic: string): void {
    this.calls.push(`sub ${topic}`);
  }
  override unsubscribe(topic: string): void {
    this.calls.push(`unsub ${topic}`);
  }
  override publish(topic: string, message: Uint8Array | string, isBinary: boolean, compress: boolean, fromSocket: boolean): void {
    this.calls.push(`pub ${topic} ${typeof message === 'string' ? message : Buffer.from(message).toString()} bin=${isBinary} z=${compress} ws=${fromSocket}`);
    super.publish(topic, message, isBinary, compress, fromSocket);
  }
}

interface Got {
  text: string;
  isBinary: boolean;
}
function inbox(ws: WebSocket): Got[] {
  const got: Got[] = [];
  ws.on('message', (d: Buffer, isBinary: boolean) => got.push({ text: d.toString(), isBinary }));
  return got;
}

/** A route where clients say `sub T`, `unsub T`, `pub T text`, `pubbin T text`. */
function commands(app: TemplatedApp): void {
  app.ws('/*', {
    compression: SHARED_COMPRESSOR,
    message: (ws, message) => {
      const [cmd, topic, text] = Buffer.from(message).toString().split(' ');
      if (cmd === 'sub') ws.subscribe(topic);
      else if (cmd === 'unsub') ws.unsubscribe(topic);
      else if (cmd === 'pub') ws.publish(topic, text);
      else if (cmd === 'pubbin') ws.publish(topic, Buffer.from(text), true);
      ws.send(`ok ${cmd}`);
    },
  });
}

async function command(ws: WebSocket, got: Got[], text: string): Promise<void> {
  const before = got.filter((g) => g.text.startsWith('ok ')).length;
  ws.send(text);
  await waitFor(() => got.filter((g) => g.text.startsWith('ok ')).length > before, 5000, text);
}

const payloads = (got: Got[]): string[] => got.filter((g) => !g.text.startsWith('ok ')).map((g) => `${g.text}${g.isBinary ? ' (bin)' : ''}`);

let channelSeq = 0;

describe.each(transportKinds)('broker seam (%s)', (transport) => {
  const servers: Listening[] = [];
  const clients: WebSocket[] = [];
  afterEach(() => {
    for (const ws of clients.splice(0)) ws.terminate();
    for (const s of servers.splice(0)) s.app.close();
  });

  async function server(broker?: ThreadBroker): Promise<Listening> {
    const s = await listen(transport, (app) => {
      commands(app);
      if (broker !== undefined) app.useBroker(broker);
    });
    servers.push(s);
    return s;
  }
  async function client(s: Listening): Promise<{ ws: WebSocket; got: Got[] }> {
    const ws = await openClient(s.url);
    clients.push(ws);
    return { ws, got: inbox(ws) };
  }

  it('tells the broker only first subscribe, last unsubscribe and local publishes', async () => {
    const broker = new RecordingBroker({ channel: `seam-${process.pid}-${channelSeq++}` });
    const s = await server(broker);
    expect(broker.calls).toEqual(['attach ']);
    const [a, b] = [await client(s), await client(s)];
    await command(a.ws, a.got, 'sub room');
    await command(b.ws, b.got, 'sub room'); // second local subscriber: nothing new for the broker
    await command(a.ws, a.got, 'sub room'); // already in: nothing
    await command(a.ws, a.got, 'unsub room'); // one left: nothing
    await command(a.ws, a.got, 'unsub room'); // not in: nothing
    await command(b.ws, b.got, 'sub other');
    await command(b.ws, b.got, 'pub room hi'); // b is the only subscriber: nobody local, still published
    expect(s.app.publish('room', 'from-app')).toBe(true);
    expect(s.app.publish('empty', Buffer.from([1, 2, 3]), true, true)).toBe(false);
    b.ws.close(); // the last subscriber's close unsubscribes
    await waitFor(() => broker.calls.includes('unsub other'), 5000, 'unsubscribe on close');
    expect(broker.calls).toEqual([
      'attach ',
      'sub room',
      'sub other',
      'pub room hi bin=false z=false ws=true',
      'pub room from-app bin=false z=false ws=false',
      'pub empty \u0001\u0002\u0003 bin=true z=true ws=false',
      // order of a socket's topics on close is the order it subscribed
      'unsub room',
      'unsub other',
    ]);
  });

  it('a broker attached late subscribes to the topics that already have subscribers', async () => {
    const s = await server();
    const a = await client(s);
    await command(a.ws, a.got, 'sub x');
    await command(a.ws, a.got, 'sub y');
    const broker = new RecordingBroker({ channel: `seam-${process.pid}-${channelSeq++}` });
    s.app.useBroker(broker);
    expect(broker.calls).toEqual(['attach x,y']);
    expect(() => s.app.useBroker(new ThreadBroker())).toThrow(/already has a broker/);
    const other = await server();
    expect(() => other.app.useBroker(broker)).toThrow(/already attached to an App/);
  });

  it('two Apps on one channel: every subscriber gets every message once, sender skipped, flags kept', async () => {
    const channel = `seam-${process.pid}-${channelSeq++}`;
    const [s1, s2] = [await server(new ThreadBroker({ channel })), await server(new ThreadBroker({ channel }))];
    const [a, b] = [await client(s1), await client(s1)];
    const [c, d] = [await client(s2), await client(s2)];
    for (const x of [a, b, c]) await command(x.ws, x.got, 'sub room');
    await command(d.ws, d.got, 'sub elsewhere');

    await command(a.ws, a.got, 'pub room one'); // ws.publish: skips a, reaches b (local) and c (remote)
    expect(s1.app.publish('room', 'two')).toBe(true); // app.publish: a and b locally, c remotely
    expect(s2.app.publish('room', Buffer.from('three'), true)).toBe(true);
    await command(c.ws, c.got, 'pubbin room four'); // binary, from a socket on the other App
    await waitFor(() => payloads(a.got).length === 3 && payloads(b.got).length === 4 && payloads(c.got).length === 3, 5000, 'deliveries');
    await new Promise((r) => setTimeout(r, 100)); // anything extra (an echo) would have arrived by now
    expect(payloads(a.got)).toEqual(['two', 'three (bin)', 'four (bin)']);
    expect(payloads(b.got)).toEqual(['one', 'two', 'three (bin)', 'four (bin)']);
    // c's own App published 'three' (local, at once) while 'two' crossed the channel: order
    // holds per publisher, not across publishers.
    expect(payloads(c.got).sort()).toEqual(['one', 'three (bin)', 'two']);
    expect(payloads(d.got)).toEqual([]);
  });

  it('a publisher may reuse its buffer once publish returns (the broker copies what it sends later)', async () => {
    const channel = `seam-${process.pid}-${channelSeq++}`;
    const [s1, s2] = [await server(new ThreadBroker({ channel })), await server(new ThreadBroker({ channel }))];
    const c = await client(s2);
    await command(c.ws, c.got, 'sub t');
    const buffer = Buffer.from('first');
    s1.app.publish('t', buffer, true);
    buffer.write('xxxxx');
    s1.app.publish('t', buffer, true);
    await waitFor(() => payloads(c.got).length === 2);
    expect(payloads(c.got)).toEqual(['first (bin)', 'xxxxx (bin)']);
  });

  it('keeps the compress flag across the broker (one deflated frame for a deflate peer)', async () => {
    const channel = `seam-${process.pid}-${channelSeq++}`;
    const [s1, s2] = [await server(new ThreadBroker({ channel })), await server(new ThreadBroker({ channel }))];
    const raw = await rawConnect(s2.port);
    raw.write(upgradeRequest('/', ['Sec-WebSocket-Extensions: permessage-deflate']));
    await readUntil(raw, (t) => t.includes('\r\n\r\n'));
    // A masked client frame `sub z`.
    const payload = Buffer.from('sub z');
    raw.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]));
    await readUntil(raw, (t) => t.includes('ok sub'));
    const text = 'compress me '.repeat(200);
    const frame = readUntil(raw, (t) => t.length >= 2);
    s1.app.publish('z', text, false, true);
    const bytes = await frame;
    expect(bytes[0]).toBe(0xc1); // FIN | RSV1 | text: compressed on the remote App
    expect(bytes[1] & 0x7f).toBeLessThan(126); // 2400 bytes deflated to a short frame
    raw.destroy();
  });

  it('a throwing broker is an error event and a counter, never an exception out of publish', async () => {
    class Failing extends ThreadBroker {
      override publish(): void {
        throw new Error('broker down');
      }
      override subscribe(): void {
        throw new Error('cannot subscribe');
      }
    }
    const broker = new Failing({ channel: `seam-${process.pid}-${channelSeq++}` });
    const errors: string[] = [];
    broker.on('error', (e) => errors.push(e.message));
    const s = await server(broker);
    const a = await client(s);
    await command(a.ws, a.got, 'sub t'); // subscribe still works locally
    expect(s.app.numSubscribers('t')).toBe(1);
    expect(s.app.publish('t', 'local still works')).toBe(true);
    await waitFor(() => payloads(a.got).length === 1);
    expect(payloads(a.got)).toEqual(['local still works']);
    expect(errors).toEqual(['cannot subscribe', 'broker down']);
    expect(broker.stats.errors).toBe(2);
  });

  it('with no error listener, a failure is a process warning, once per distinct message', async () => {
    class Failing extends ThreadBroker {
      override publish(): void {
        throw new Error(`connection refused ${process.pid}`);
      }
    }
    const broker = new Failing({ channel: `seam-${process.pid}-${channelSeq++}` });
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      if (w.name === 'UwsBrokerWarning') warnings.push(w.message);
    };
    process.on('warning', onWarning);
    try {
      const s = await server(broker);
      for (let i = 0; i < 5; i++) expect(s.app.publish('t', 'x')).toBe(false);
      await new Promise((r) => setTimeout(r, 50)); // warnings are emitted on the next tick
      expect(warnings).toEqual([`connection refused ${process.pid}`]);
      expect(broker.stats.errors).toBe(5);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('after app.close() the broker is closed and its publishes are counted as dropped', async () => {
    const broker = new ThreadBroker({ channel: `seam-${process.pid}-${channelSeq++}` });
    const s = await server(broker);
    s.app.close();
    servers.length = 0;
    broker.publish('t', 'late', false, false);
    expect(broker.stats.dropped).toBe(1);
  });
});
