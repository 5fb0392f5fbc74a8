/**
 * The client's opening handshake, byte for byte and verdict for verdict against real ws 8.23:
 * the request head each writes (a plain node:net server captures it) and what each makes of a
 * server's 101 (a plain node:net server answers with a crafted head), on our native path and on
 * our node:http path.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ours from '../src/index.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- false positive: the import type's `with` attributes read as a value
type wsType = typeof import('ws', { with: { 'resolution-mode': 'require' } });
const wsModule = createRequire(import.meta.url)('ws') as wsType;
const OURS = ours as unknown as wsType;
type ClientOptions = ConstructorParameters<wsType>[2];

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const acceptOf = (key: string): string => createHash('sha1').update(key + GUID).digest('base64');

/** A server that reads one request head per connection and hands it to `answer`. */
async function rawServer(answer: (head: string, socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    let buffered = '';
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      if (buffered.includes('\r\n\r\n')) return;
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end >= 0) answer(buffered.slice(0, end + 4), socket);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

/** Resolves with the close code (events.once would reject on the 'error' before it). */
const closed = (ws: InstanceType<wsType>): Promise<number> => new Promise((resolve) => ws.on('close', resolve));

const keyOf = (head: string): string => /\r\nSec-WebSocket-Key: ([^\r]*)\r\n/i.exec(head)![1];

describe('the upgrade request, byte for byte as ws writes it', () => {
  let heads: string[] = [];
  let srv: { server: Server; port: number };
  beforeAll(async () => {
    srv = await rawServer((head, socket) => {
      heads.push(head);
      socket.destroy();
    });
  });
  afterAll(() => srv.server.close());

  /** The request `WS` writes for `url` (relative to the server) with `protocols` and `options`, key masked. */
  async function requestOf(WS: wsType, path: string, protocols: string[], options: ClientOptions): Promise<string> {
    heads = [];
    const url = path.replace('PORT', String(srv.port));
    const ws = new WS(url, protocols, options);
    ws.on('error', () => {});
    await closed(ws);
    expect(heads).toHaveLength(1);
    return heads[0].replace(keyOf(heads[0]), '<key>');
  }

  const cases: Array<[string, string, string[], ClientOptions]> = [
    ['the defaults', 'ws://127.0.0.1:PORT', [], {}],
    ['path, query, subprotocols and origin', 'ws://127.0.0.1:PORT/chat/room?x=1&y=%20', ['chat', 'superchat'], { origin: 'https://example.com' }],
    ['protocolVersion 8 with an origin', 'ws://127.0.0.1:PORT/', ['a'], { protocolVersion: 8, origin: 'https://example.com' }],
    ['no permessage-deflate', 'ws://127.0.0.1:PORT/', [], { perMessageDeflate: false }],
    [
      'every permessage-deflate parameter',
      'ws://127.0.0.1:PORT/',
      [],
      { perMessageDeflate: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 12, clientMaxWindowBits: 10 } },
    ],
    ['clientMaxWindowBits false', 'ws://127.0.0.1:PORT/', [], { perMessageDeflate: { clientMaxWindowBits: false as unknown as number } }], // ws's types say number; it takes false too
    ['user headers: repeated, numbers, obs-text', 'ws://127.0.0.1:PORT/', [], { headers: { 'X-One': 'a', Cookie: ['a=1', 'b=2'], 'X-Num': 7, 'X-Latin': 'caf\u00e9' } }],
    ['user Host and Origin headers', 'ws://127.0.0.1:PORT/', [], { origin: 'https://ignored.example', headers: { Host: 'other.example', Origin: 'https://mine.example' } }],
    ['credentials in the URL', 'ws://us%40er:p%3Ass@127.0.0.1:PORT/', [], {}],
    ['auth option and a user Authorization header', 'ws://127.0.0.1:PORT/', [], { auth: 'a:b', headers: { 'X-Before': '1' } }],
    ['URL credentials win over auth', 'ws://u:p@127.0.0.1:PORT/', [], { auth: 'a:b' }],
    ['user headers spelled like ws’s own, and a lower-case host', 'ws://127.0.0.1:PORT/', ['q'], { headers: { 'sec-websocket-key': 'k', 'sec-websocket-protocol': 'p', 'X-A': '1', 'x-a': '2', host: 'h.example' } }],
    ['a user Sec-WebSocket-Protocol without subprotocols, and Sec-WebSocket-Origin on version 13', 'ws://127.0.0.1:PORT/', [], { origin: 'o', headers: { 'Sec-WebSocket-Protocol': 'p', 'Sec-WebSocket-Origin': 's' } }],
    ['a user Authorization header wins over auth', 'ws://127.0.0.1:PORT/', [], { auth: 'a:b', headers: { Authorization: 'Bearer t' } }],
    ['reserved user headers are replaced', 'ws://127.0.0.1:PORT/', [], { headers: { Upgrade: 'x', Connection: 'close', 'Sec-WebSocket-Version': '99', 'X-After': 'z' } }],
  ];

  for (const [name, url, protocols, options] of cases) {
    it(name, async () => {
      const theirs = await requestOf(wsModule, url, protocols, options);
      const mine = await requestOf(OURS, url, protocols, options);
      expect(mine).toBe(theirs);
      expect(mine).toMatch(/^GET [^ ]+ HTTP\/1\.1\r\n/);
    });
  }
});

/** The verdicts on a crafted 101; `head(key)` is the answer to a request with that key. */
const answers: Array<[string, string[], ClientOptions, (key: string) => string]> = [
  ['a valid 101', [], {}, (k) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(k)}\r\n\r\n`],
  ['a wrong Sec-WebSocket-Accept', [], {}, () => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf('x')}\r\n\r\n`],
  ['no Sec-WebSocket-Accept', [], {}, () => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'],
  ['no Upgrade header', [], {}, (k) => `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(k)}\r\n\r\n`],
  ['Upgrade: h2c', [], {}, (k) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(k)}\r\n\r\n`],
  ['Upgrade: WebSocket (case)', [], {}, (k) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(k)}\r\n\r\n`],
  ['a 101 in HTTP/1.0', [], {}, (k) => `HTTP/1.0 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(k)}\r\n\r\n`],
  ['Upgrade: websocket, foo', [], {}, (k) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket, foo\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(k)}\r\n\r\n`],
  ['Connection: keep-alive, Upgrade', [], {}, (k) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(k)}\r\n\r\n`],
  ['no Connection header', [], {}, (k) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: ${acceptOf(k)}\r\n\r\n`],
  ['a subprotocol none was requested', [], {}, (k) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(k)}\r\nSec-WebSocket-Protocol: chat\r\n\r\n`],
  ['a subprotocol not offered', ['chat'], {}, (k) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(k)}\r\nSec-WebSocket-Protocol: other\r\n\r\n`],
  ['no subprotocol when offered', ['chat'], {}, (k) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(k)}\r\n\r\n`],
  ['the offered subprotocol', ['a', 'chat'], {}, (k) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(k)}\r\nSec-WebSocket-Protocol: chat\r\n\r\n`],
  ...(
    [
      ['extensions when none was offered', 'permessage-deflate', { perMessageDeflate: false }],
      ['client_max_window_bits=8 (RFC 7692 allows it)', 'permessage-deflate; client_max_window_bits=8', {}],
      ['server_max_window_bits=9', 'permessage-deflate; server_max_window_bits=9', {}],
      ['a malformed extensions header', 'permessage-deflate;;', {}],
      ['an extension not offered', 'x-webkit-deflate-frame', {}],
      ['two extensions', 'permessage-deflate, x-foo', {}],
      ['an unknown permessage-deflate parameter', 'permessage-deflate; foo', {}],
      ['client_max_window_bits=7', 'permessage-deflate; client_max_window_bits=7', {}],
      ['client_max_window_bits not offered', 'permessage-deflate; client_max_window_bits=10', { perMessageDeflate: { clientMaxWindowBits: false } }],
      ['server_no_context_takeover requested, not answered', 'permessage-deflate', { perMessageDeflate: { serverNoContextTakeover: true } }],
    ] as Array<[string, string, ClientOptions]>
  ).map(
    ([name, extensions, options]): [string, string[], ClientOptions, (key: string) => string] => [
      name,
      [],
      options,
      (k) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(k)}\r\nSec-WebSocket-Extensions: ${extensions}\r\n\r\n`,
    ],
  ),
  ['a 403 with a body', [], {}, () => 'HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno'],
  ['a 302 without followRedirects', [], {}, () => 'HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n'],
];

/** What ws 8.23 makes of each answer (its close is 1006 either way: the client terminates an open one). */
const WS_VERDICTS: Record<string, string> = {
  'a valid 101': 'open protocol= extensions=',
  'a wrong Sec-WebSocket-Accept': 'Error: Invalid Sec-WebSocket-Accept header',
  'no Sec-WebSocket-Accept': 'Error: Invalid Sec-WebSocket-Accept header',
  'no Upgrade header': 'Error: Unexpected server response: 101',
  'Upgrade: h2c': 'Error: Invalid Upgrade header',
  'Upgrade: WebSocket (case)': 'open protocol= extensions=',
  'a 101 in HTTP/1.0': 'open protocol= extensions=',
  'Upgrade: websocket, foo': 'Error: Invalid Upgrade header',
  'Connection: keep-alive, Upgrade': 'open protocol= extensions=',
  'no Connection header': 'Error: Unexpected server response: 101',
  'a subprotocol none was requested': 'Error: Server sent a subprotocol but none was requested',
  'a subprotocol not offered': 'Error: Server sent an invalid subprotocol',
  'no subprotocol when offered': 'Error: Server sent no subprotocol',
  'the offered subprotocol': 'open protocol=chat extensions=',
  'extensions when none was offered': 'Error: Server sent a Sec-WebSocket-Extensions header but no extension was requested',
  'client_max_window_bits=8 (RFC 7692 allows it)': 'open protocol= extensions=permessage-deflate',
  'server_max_window_bits=9': 'open protocol= extensions=permessage-deflate',
  'a malformed extensions header': 'Error: Invalid Sec-WebSocket-Extensions header',
  'an extension not offered': 'Error: Server indicated an extension that was not requested',
  'two extensions': 'Error: Server indicated an extension that was not requested',
  'an unknown permessage-deflate parameter': 'Error: Invalid Sec-WebSocket-Extensions header',
  'client_max_window_bits=7': 'Error: Invalid Sec-WebSocket-Extensions header',
  'client_max_window_bits not offered': 'Error: Invalid Sec-WebSocket-Extensions header',
  'server_no_context_takeover requested, not answered': 'open protocol= extensions=permessage-deflate',
  'a 403 with a body': 'Error: Unexpected server response: 403',
  'a 302 without followRedirects': 'Error: Unexpected server response: 302',
};

/**
 * Where we knowingly differ from ws. A `server_no_context_takeover` the client asked for and the
 * server left out: ws runs with the server's context takeover, the protocol's negotiation refuses
 * the answer (RFC 7692 §7.1.1.1: a server accepts the parameter by echoing it).
 */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'server_no_context_takeover requested, not answered': 'Error: Invalid Sec-WebSocket-Extensions header',
};

describe('the verdict on the server’s answer, as ws’s', () => {
  let srv: { server: Server; port: number };
  let current: (key: string) => string = () => '';
  beforeAll(async () => {
    srv = await rawServer((head, socket) => {
      socket.write(current(keyOf(head)));
      // An accepted connection is closed by the test's client; a refused one is dropped by it.
      setTimeout(() => socket.destroy(), 2000).unref();
    });
  });
  afterAll(() => srv.server.close());

  /** What the client observes: 'open' (+ protocol and extensions) or the error's message. */
  async function verdict(WS: wsType, protocols: string[], options: ClientOptions): Promise<string> {
    const ws = new WS(`ws://127.0.0.1:${srv.port}/`, protocols, options);
    const seen: string[] = [];
    ws.on('open', () => {
      seen.push(`open protocol=${ws.protocol} extensions=${ws.extensions}`);
      ws.terminate();
    });
    ws.on('error', (error) => seen.push(`${error.constructor.name}: ${error.message}`));
    const code = await closed(ws);
    seen.push(`close ${code}`);
    return seen.join(' | ');
  }

  for (const [name, protocols, options, head] of answers) {
    it(name, async () => {
      current = head;
      const theirs = await verdict(wsModule, protocols, options);
      // ws's verdict, pinned: a broken test server would otherwise make both agree on a refusal.
      expect(theirs).toBe(`${WS_VERDICTS[name]} | close 1006`);
      // The node:http path (taken for `finishRequest`, as for `agent` or `createConnection`).
      const viaHttp = { ...options, finishRequest: (req: { end(): void }) => req.end() } as ClientOptions;
      expect(await verdict(wsModule, protocols, viaHttp)).toBe(theirs);
      const expected = KNOWN_DIFFERENCES[name] === undefined ? theirs : `${KNOWN_DIFFERENCES[name]} | close 1006`;
      expect(await verdict(OURS, protocols, options)).toBe(expected);
      expect(await verdict(OURS, protocols, viaHttp)).toBe(expected);
    });
  }
});
