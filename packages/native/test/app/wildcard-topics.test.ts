import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { AppOptions } from '../../src/app/app.js';
import { ThreadBroker } from '../../src/broker/thread-broker.js';
import { type Listening, listen, openClient, waitFor } from '../support/app-harness.js';
import { transportKinds } from '../support/transports.js';

/** A client that subscribes to `filters` and collects what it gets. */
async function subscriber(server: Listening, filters: string[]): Promise<{ ws: WebSocket; got: string[] }> {
  const ws = await openClient(server.url);
  const got: string[] = [];
  ws.on('message', (d: Buffer) => got.push(d.toString()));
  ws.send(JSON.stringify(filters));
  await waitFor(() => got.length === 1, 5000, 'subscribed');
  got.length = 0;
  return { ws, got };
}

let channelSeq = 0;

describe.each(transportKinds)('wildcard topics, MQTT 3.1.1 §4.7 (%s)', (transport) => {
  const servers: Listening[] = [];
  const sockets: WebSocket[] = [];
  afterEach(() => {
    for (const ws of sockets.splice(0)) ws.terminate();
    for (const s of servers.splice(0)) s.app.close();
  });

  async function server(options: Omit<AppOptions, 'transport'> = { wildcardTopics: true }): Promise<Listening> {
    const errors: string[] = [];
    const s = await listen(
      transport,
      (app) =>
        app.ws('/*', {
          message: (ws, message) => {
            try {
              for (const f of JSON.parse(Buffer.from(message).toString()) as string[]) ws.subscribe(f);
              ws.send('subscribed');
            } catch (error) {
              errors.push((error as Error).message);
              ws.send(`error ${(error as Error).message}`);
            }
          },
        }),
      options,
    );
    servers.push(s);
    return s;
  }

  /** Publishes each topic (its own name as the message) and returns what each client got. */
  async function deliveries(s: Listening, clients: { got: string[] }[], topics: string[]): Promise<string[][]> {
    for (const t of topics) s.app.publish(t, t);
    s.app.publish('end', 'end'); // everyone below subscribes to 'end' as well: a marker
    await waitFor(() => clients.every((c) => c.got.includes('end')), 5000, 'end marker');
    return clients.map((c) => c.got.filter((m) => m !== 'end'));
  }

  it('`+` matches exactly one level (an empty one too), never across levels', async () => {
    const s = await server();
    const c = await subscriber(s, ['sport/+/player1', '+', 'end']);
    sockets.push(c.ws);
    const [got] = await deliveries(s, [c], ['sport/tennis/player1', 'sport//player1', 'sport/tennis/player1/x', 'sport/a/b/player1', 'sport', '/finance', 'sport/tennis/player2']);
    expect(got).toEqual(['sport/tennis/player1', 'sport//player1', 'sport']);
  });

  it('`#` matches the rest, zero levels included: `sport/#` matches `sport` (§4.7.1.2); `#` matches all but `$` topics (§4.7.2)', async () => {
    const s = await server();
    const [a, b] = [await subscriber(s, ['sport/#', 'end']), await subscriber(s, ['#'])];
    sockets.push(a.ws, b.ws);
    const [gotA, gotB] = await deliveries(s, [a, b], ['sport', 'sport/', 'sport/tennis/player1', 'sports', 'finance', '$SYS/uptime']);
    expect(gotA).toEqual(['sport', 'sport/', 'sport/tennis/player1']);
    expect(gotB).toEqual(['sport', 'sport/', 'sport/tennis/player1', 'sports', 'finance']);
  });

  it('`$` topics: `+/x` does not match `$SYS/x`, `$SYS/#` does', async () => {
    const s = await server();
    const c = await subscriber(s, ['+/uptime', '$SYS/#', 'end']);
    sockets.push(c.ws);
    const [got] = await deliveries(s, [c], ['$SYS/uptime', 'host/uptime']);
    expect(got).toEqual(['$SYS/uptime', 'host/uptime']);
  });

  it('a socket matched by two patterns and its exact topic gets a message once; exact topics unaffected', async () => {
    const s = await server();
    const [a, b] = [await subscriber(s, ['a/+/c', 'a/#', 'a/b/c', 'end']), await subscriber(s, ['a/b/c', 'x', 'end'])];
    sockets.push(a.ws, b.ws);
    const [gotA, gotB] = await deliveries(s, [a, b], ['a/b/c', 'x']);
    expect(gotA).toEqual(['a/b/c']);
    expect(gotB).toEqual(['a/b/c', 'x']);
    expect(s.app.numSubscribers('a/b/c')).toBe(2);
    expect(s.app.numSubscribers('a/#')).toBe(1);
  });

  it('invalid filters and wildcard topic names are clear errors; with wildcards off, + and # are plain characters', async () => {
    const s = await server();
    const ws = await openClient(s.url);
    sockets.push(ws);
    const answers: string[] = [];
    ws.on('message', (d: Buffer) => answers.push(d.toString()));
    for (const bad of ['sport+', 'sport/tennis#', 'sport/#/ranking']) ws.send(JSON.stringify([bad]));
    await waitFor(() => answers.length === 3);
    expect(answers[0]).toMatch(/invalid topic filter "sport\+": '\+' must be a whole level/);
    expect(answers[1]).toMatch(/'#' must be a whole level and the last one/);
    expect(answers[2]).toMatch(/'#' must be a whole level and the last one/);
    expect(() => s.app.publish('a/+', 'x')).toThrow(/invalid topic name "a\/\+"/);

    const off = await server({});
    const c = await subscriber(off, ['a/+', 'end']);
    sockets.push(c.ws);
    const [got] = await deliveries(off, [c], ['a/b', 'a/+']);
    expect(got).toEqual(['a/+']);
  });

  it('unsubscribing a pattern stops it; closing forgets its patterns', async () => {
    const s = await server();
    const c = await subscriber(s, ['a/+', 'end']);
    sockets.push(c.ws);
    expect(await deliveries(s, [c], ['a/1'])).toEqual([['a/1']]);
    c.ws.close();
    await waitFor(() => s.app.numSubscribers('a/+') === 0);
    expect(s.app.publish('a/1', 'x')).toBe(false);
  });

  it('across a broker: a pattern on one App matches what another App publishes, once', async () => {
    const channel = `wild-${process.pid}-${channelSeq++}`;
    const s1 = await server({ wildcardTopics: true, broker: new ThreadBroker({ channel }) });
    const s2 = await server({ wildcardTopics: true, broker: new ThreadBroker({ channel }) });
    const c = await subscriber(s2, ['room/+', 'room/#', 'end']);
    sockets.push(c.ws);
    s1.app.publish('room/1', 'room/1');
    s1.app.publish('other/1', 'other/1');
    s1.app.publish('end', 'end');
    await waitFor(() => c.got.includes('end'), 5000, 'remote end marker');
    expect(c.got.filter((m) => m !== 'end')).toEqual(['room/1']);
  });
});
