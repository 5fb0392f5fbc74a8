import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ClientHandshake } from '../../src/handshake/client.js';
import { HandshakeError } from '../../src/errors.js';
import { acceptKey } from '../../src/handshake/server-rules.js';
import { HttpHeadParser } from '../../src/http-head.js';
import { ServerHandshake, type ServerHandshakeConfig } from '../../src/handshake/server.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
const text = (chunks: Uint8Array[]): string => Buffer.concat(chunks).toString('latin1');

/** The RFC 6455 §1.3 request, with fields replaced or removed (`null`). */
function requestText(overrides: Record<string, string | null> = {}, startLine = 'GET /chat HTTP/1.1'): string {
  const fields: Record<string, string | null> = {
    Host: 'server.example.com',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': KEY,
    'Sec-WebSocket-Version': '13',
    ...overrides,
  };
  let out = `${startLine}\r\n`;
  for (const [name, value] of Object.entries(fields)) if (value !== null) out += `${name}: ${value}\r\n`;
  return `${out}\r\n`;
}

/** Feeds a whole request and runs validate → accept; returns the handshake. */
function serve(request: string, config?: ServerHandshakeConfig): ServerHandshake {
  const hs = new ServerHandshake(config);
  if (hs.receiveData(bytes(request)) !== undefined && hs.validate() !== undefined) hs.accept();
  return hs;
}

describe('ServerHandshake', () => {
  it('accepts a valid request: 101 bytes, then the codec on the same object', () => {
    const hs = serve(requestText());
    expect(hs.state).toBe('accepted');
    expect(text(hs.dataToSend())).toBe(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${ACCEPT}\r\n\r\n`,
    );
    expect(hs.dataToSend()).toEqual([]);
    expect(hs.accepted).toEqual({ protocol: undefined, deflate: undefined, extensions: undefined });
    expect(hs.connection.role).toBe('server');
    expect(hs.connectionOptions({ maxPayloadLength: 5 })).toMatchObject({ role: 'server', deflate: undefined, maxPayloadLength: 5 });
  });

  it('gives the same result however the head is split, and keeps the bytes after it', () => {
    const whole = requestText() + '\x81\x85';
    const hs = new ServerHandshake();
    const input = bytes(whole);
    let head;
    for (let i = 0; i < input.length && head === undefined; i++) head = hs.receiveData(input.subarray(i, i + 1));
    expect(head?.target).toBe('/chat');
    expect(hs.state).toBe('request');
    // The last byte of the head ended the parse: nothing of the frame was in that chunk.
    expect(hs.rest.length).toBe(0);
    const at = new ServerHandshake();
    expect(at.receiveData(input)?.method).toBe('GET');
    expect(Array.from(at.rest)).toEqual([0x81, 0x85]);
    expect(() => at.receiveData(input)).toThrow(/already read/);
  });

  it('rejects a malformed head with 400 and an oversized one with 431', () => {
    const bad = new ServerHandshake();
    expect(bad.receiveData(bytes('GET / HTTP/1.1\r\nBad Header\r\n\r\n'))).toBeUndefined();
    expect(bad.state).toBe('rejected');
    expect(bad.error?.status).toBe(400);
    expect(text(bad.dataToSend())).toMatch(/^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n/);
    // Bytes after a rejection are ignored: nothing more is queued.
    expect(bad.receiveData(bytes(requestText()))).toBeUndefined();
    expect(bad.dataToSend()).toEqual([]);

    const big = new ServerHandshake({ maxHeaderBytes: 64 });
    expect(big.receiveData(bytes(requestText()))).toBeUndefined();
    expect(big.error?.status).toBe(431);
    expect(text(big.dataToSend())).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  });

  it.each([
    ['a POST', requestText({}, 'POST /chat HTTP/1.1'), 400, 'Invalid HTTP method POST: expected GET'],
    ['HTTP/1.0', requestText({}, 'GET /chat HTTP/1.0'), 400, 'HTTP/1.0 cannot upgrade: HTTP/1.1 or later is required'],
    ['no Host', requestText({ Host: null }), 400, 'Missing or repeated Host header'],
    ['no Upgrade', requestText({ Upgrade: null }), 400, 'Missing or invalid Upgrade header: expected websocket'],
    ['no Connection: upgrade', requestText({ Connection: 'keep-alive' }), 400, 'Missing or invalid Connection header: expected upgrade'],
    ['version 8', requestText({ 'Sec-WebSocket-Version': '8' }), 426, 'Unsupported Sec-WebSocket-Version: expected 13'],
    ['a short key', requestText({ 'Sec-WebSocket-Key': 'abc' }), 400, 'Missing or invalid Sec-WebSocket-Key header'],
    ['a duplicate subprotocol', requestText({ 'Sec-WebSocket-Protocol': 'a, a' }), 400, 'Duplicate subprotocol a'],
  ])('rejects %s with %i and the reason as body', (_name, request, status, reason) => {
    const hs = serve(request);
    expect(hs.state).toBe('rejected');
    expect(hs.error).toBeInstanceOf(HandshakeError);
    expect(hs.error?.status).toBe(status);
    const response = text(hs.dataToSend());
    expect(response.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    expect(response.endsWith(`\r\n\r\n${reason}`)).toBe(true);
    expect(response).toContain(`Content-Length: ${Buffer.byteLength(reason)}\r\n`);
    if (status === 426) expect(response).toContain('Sec-WebSocket-Version: 13\r\n');
    expect(() => hs.accept()).toThrow(/already rejected/);
  });

  it('refuses an origin verifyOrigin does not allow, with 403', () => {
    const hs = serve(requestText({ Origin: 'http://evil.example' }), { verifyOrigin: (origin) => origin === 'http://good.example' });
    expect(hs.error?.status).toBe(403);
    expect(text(hs.dataToSend())).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n[^]*\r\n\r\nOrigin not allowed$/);
    expect(serve(requestText({ Origin: 'http://good.example' }), { verifyOrigin: (origin) => origin === 'http://good.example' }).state).toBe('accepted');
  });

  it('answers the subprotocol selectProtocol chose, or none', () => {
    const hs = serve(requestText({ 'Sec-WebSocket-Protocol': 'chat, superchat' }), { selectProtocol: (offered) => offered[1] });
    expect(text(hs.dataToSend())).toContain('\r\nSec-WebSocket-Protocol: superchat\r\n');
    expect(hs.accepted?.protocol).toBe('superchat');
    const none = serve(requestText({ 'Sec-WebSocket-Protocol': 'chat' }));
    expect(text(none.dataToSend())).not.toContain('Sec-WebSocket-Protocol');
  });

  it('rejects explicitly with the caller status, text and headers', () => {
    const hs = new ServerHandshake();
    hs.receiveData(bytes(requestText()));
    hs.reject(401, 'who are you', [['WWW-Authenticate', 'Basic']]);
    expect(hs.state).toBe('rejected');
    expect(text(hs.dataToSend())).toBe(
      'HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 11\r\nWWW-Authenticate: Basic\r\n\r\nwho are you',
    );
    expect(() => hs.reject(400)).toThrow(/already rejected/);
  });

  it('accepts a request an HTTP server already parsed, with an explicit key, protocol and headers', () => {
    const parsed = new HttpHeadParser('request').push(bytes(requestText()))!;
    const hs = ServerHandshake.forRequest(parsed.head, {}, bytes('xy'));
    expect(hs.state).toBe('request');
    expect(Buffer.from(hs.rest).toString()).toBe('xy');
    // A bad extra header is a TypeError and leaves the handshake undecided.
    expect(() => hs.accept({ key: KEY, headers: [['X-Bad', 'a\r\nb']] })).toThrow(TypeError);
    expect(hs.state).toBe('request');
    hs.accept({ key: KEY, protocol: 'p', headers: [['Set-Cookie', 'a=1']] });
    expect(text(hs.dataToSend())).toBe(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${ACCEPT}\r\nSec-WebSocket-Protocol: p\r\nSet-Cookie: a=1\r\n\r\n`,
    );
  });

  it('lets editLines change the 101 as ws\'s headers event does', () => {
    const hs = ServerHandshake.forRequest(new HttpHeadParser('request').push(bytes(requestText()))!.head);
    hs.validate();
    hs.accept({ protocol: 'x', editLines: (lines) => lines.push('X-Extra: 1') });
    expect(text(hs.dataToSend())).toBe(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${ACCEPT}\r\nSec-WebSocket-Protocol: x\r\nX-Extra: 1\r\n\r\n`,
    );
  });

  it('needs a key to accept', () => {
    const hs = new ServerHandshake();
    expect(() => hs.accept()).toThrow(/no Sec-WebSocket-Key/);
    expect(() => hs.validate()).toThrow(/no undecided request/);
    expect(() => hs.connection).toThrow(/before accept/);
  });
});

describe('ServerHandshake permessage-deflate negotiation', () => {
  const offer = (value: string, config: ServerHandshakeConfig = { perMessageDeflate: true }): ServerHandshake =>
    serve(requestText({ 'Sec-WebSocket-Extensions': value }), config);

  it.each([
    // [server options, offer, answer]
    [true, 'permessage-deflate', 'permessage-deflate'],
    [true, 'permessage-deflate; client_max_window_bits', 'permessage-deflate'],
    [true, 'permessage-deflate; server_no_context_takeover', 'permessage-deflate; server_no_context_takeover'],
    [true, 'permessage-deflate; client_no_context_takeover', 'permessage-deflate; client_no_context_takeover'],
    [true, 'permessage-deflate; server_max_window_bits=10', 'permessage-deflate; server_max_window_bits=10'],
    [true, 'permessage-deflate; client_max_window_bits=9', 'permessage-deflate; client_max_window_bits=9'],
    [{ serverMaxWindowBits: 12 }, 'permessage-deflate', 'permessage-deflate; server_max_window_bits=12'],
    [{ serverNoContextTakeover: true }, 'permessage-deflate', 'permessage-deflate; server_no_context_takeover'],
    [{ clientMaxWindowBits: 10 }, 'permessage-deflate; client_max_window_bits', 'permessage-deflate; client_max_window_bits=10'],
    // an offer the server cannot honour is skipped for the next one
    [{ clientMaxWindowBits: 10 }, 'permessage-deflate, permessage-deflate; client_max_window_bits=12', 'permessage-deflate; client_max_window_bits=10'],
    // invalid offers and other extensions are declined
    [true, 'permessage-deflate; server_max_window_bits=16', undefined],
    [true, 'x-webkit-deflate-frame', undefined],
    [{ clientMaxWindowBits: 10 }, 'permessage-deflate', undefined],
    [false, 'permessage-deflate', undefined],
  ] as const)('server %j, offer %j → %j', (options, value, answer) => {
    const hs = offer(value, { perMessageDeflate: options });
    expect(hs.state).toBe('accepted');
    const response = text(hs.dataToSend());
    if (answer === undefined) {
      expect(response).not.toContain('Sec-WebSocket-Extensions');
      expect(hs.accepted?.deflate).toBeUndefined();
    } else {
      expect(response).toContain(`\r\nSec-WebSocket-Extensions: ${answer}\r\n`);
      expect(hs.accepted?.extensions).toBe(answer);
      expect(hs.connection).toBeDefined();
      expect(hs.connectionOptions().deflate).toEqual(hs.accepted?.deflate);
    }
  });

  it('rejects a malformed Sec-WebSocket-Extensions header with 400', () => {
    const hs = offer('permessage-deflate; =');
    expect(hs.state).toBe('rejected');
    expect(hs.error?.status).toBe(400);
  });

  it('negotiates a later offer, strict mode refusing what plain mode declines', () => {
    const hs = ServerHandshake.forRequest(new HttpHeadParser('request').push(bytes(requestText()))!.head);
    expect(hs.negotiateDeflate('permessage-deflate', { options: {} })?.response).toBe('permessage-deflate');
    expect(hs.negotiateDeflate('permessage-deflate; foo=1', { options: {} })).toBeUndefined();
    expect(() => hs.negotiateDeflate('permessage-deflate; foo=1', { options: {}, strict: true })).toThrow(/Invalid permessage-deflate offer: unknown parameter foo/);
    expect(() => hs.negotiateDeflate('permessage-deflate', { options: { clientMaxWindowBits: 9 }, strict: true })).toThrow(/No acceptable/);
    expect(hs.negotiateDeflate('x-other', { options: {}, strict: true })).toBeUndefined();
    expect(() => hs.negotiateDeflate('a;;', { options: {} })).toThrow(HandshakeError);
    expect(hs.negotiateDeflate('permessage-deflate; server_no_context_takeover, permessage-deflate', {
      options: {},
      acceptOffer: (o) => o.params.length === 0,
    })?.response).toBe('permessage-deflate');
    // No policy at all: compression is declined.
    expect(hs.negotiateDeflate('permessage-deflate')).toBeUndefined();
    expect(hs.negotiateDeflate('permessage-deflate', { options: {} })?.params.serverMaxWindowBits).toBe(15);
    hs.accept({ key: KEY });
    expect(text(hs.dataToSend())).toContain('\r\nSec-WebSocket-Extensions: permessage-deflate\r\n');
  });
});

describe('ClientHandshake', () => {
  const response = (fields: Record<string, string>, status = '101 Switching Protocols'): Uint8Array =>
    bytes(`HTTP/1.1 ${status}\r\n${Object.entries(fields).map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`);
  const ok = (extra: Record<string, string> = {}): Record<string, string> => ({
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Accept': ACCEPT,
    ...extra,
  });

  it('writes the request, then opens on a valid 101 split byte by byte', () => {
    const hs = new ClientHandshake({ host: 'example.com', path: '/chat', key: KEY, protocols: ['chat'], perMessageDeflate: { clientMaxWindowBits: true }, connection: { maxPayloadLength: 99 } });
    const request = text(hs.dataToSend());
    expect(request).toBe(hs.request);
    expect(request).toBe(
      'GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat\r\n` +
        'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n',
    );
    // The fields, as written: the head's lines between the request line and the blank line.
    expect(hs.fields.map(([n, v]) => `${n}: ${v}`)).toEqual(request.split('\r\n').slice(1, -2));
    expect(hs.dataToSend()).toEqual([]);
    const input = Buffer.concat([
      response(ok({ 'Sec-WebSocket-Protocol': 'chat', 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits=10' })),
      Buffer.from([0x81, 0x00]),
    ]);
    let done;
    let i = 0;
    for (; i < input.length && done === undefined; i++) done = hs.receiveData(input.subarray(i, i + 1));
    expect(done?.protocol).toBe('chat');
    expect(hs.state).toBe('open');
    expect(hs.response?.deflate?.clientMaxWindowBits).toBe(10);
    expect(hs.connectionOptions()).toMatchObject({ role: 'client', maxPayloadLength: 99 });
    // The frame after the head: an empty text message.
    const events = hs.connection.receive(input.subarray(i));
    expect(events.map((e) => e.type === 'message' && [e.binary, e.data.length])).toEqual([[false, 0]]);
    expect(hs.connection.receive(hs.rest)).toEqual([]);
  });

  it('keeps the bytes after the 101 as rest', () => {
    const hs = new ClientHandshake({ host: 'h', key: KEY });
    hs.receiveData(Buffer.concat([response(ok()), Buffer.from([0x81, 0x01, 0x61])]));
    expect(hs.connection.receive(hs.rest).map((e) => e.type === 'message' && Buffer.from(e.data).toString())).toEqual(['a']);
    hs.connection.ping();
    expect(hs.dataToSend().length).toBeGreaterThan(0);
  });

  it.each([
    ['a 403', response({ 'Content-Length': '0' }, '403 Forbidden'), 'WS_ERR_HANDSHAKE_RESPONSE', 'Unexpected server response: 403'],
    ['a wrong accept', response(ok({ 'Sec-WebSocket-Accept': acceptKey('AAAAAAAAAAAAAAAAAAAAAA==') })), 'WS_ERR_HANDSHAKE_ACCEPT', 'Missing or invalid Sec-WebSocket-Accept header'],
    ['no Upgrade', response({ Connection: 'Upgrade', 'Sec-WebSocket-Accept': ACCEPT }), 'WS_ERR_HANDSHAKE_UPGRADE', 'Missing or invalid Upgrade header: expected websocket'],
    ['an unrequested subprotocol', response(ok({ 'Sec-WebSocket-Protocol': 'x' })), 'WS_ERR_HANDSHAKE_SUBPROTOCOL', 'Server sent a subprotocol but none was requested'],
    ['an unrequested extension', response(ok({ 'Sec-WebSocket-Extensions': 'permessage-deflate' })), 'WS_ERR_HANDSHAKE_EXTENSION', 'Server sent a Sec-WebSocket-Extensions header but no extension was requested'],
  ])('fails on %s', (_name, input, code, message) => {
    const hs = new ClientHandshake({ host: 'h', key: KEY });
    let caught: unknown;
    try {
      hs.receiveData(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HandshakeError);
    expect((caught as HandshakeError).code).toBe(code);
    expect((caught as HandshakeError).message).toBe(message);
    expect(hs.state).toBe('failed');
    expect(hs.error).toBe(caught);
    // The refused answer stays readable (a caller may follow a redirect or show an error page).
    expect(hs.head?.status).toBe(code === 'WS_ERR_HANDSHAKE_RESPONSE' ? 403 : 101);
    // Later bytes are ignored: the transport is closing.
    expect(hs.receiveData(input)).toBeUndefined();
    expect(hs.state).toBe('failed');
    expect(() => hs.connection).toThrow(/before a valid 101/);
  });

  it('accepts a 101 in HTTP/1.0 only with acceptHttp10', () => {
    const http10 = Buffer.from(response(ok())).toString('latin1').replace('HTTP/1.1', 'HTTP/1.0');
    expect(() => new ClientHandshake({ host: 'h', key: KEY }).receiveData(bytes(http10))).toThrow(expect.objectContaining({ reason: 'http-version' }));
    const lenient = new ClientHandshake({ host: 'h', key: KEY, acceptHttp10: true });
    expect(lenient.receiveData(bytes(http10))).toBeDefined();
    expect(lenient.state).toBe('open');
  });

  it('fails on a malformed or oversized answer', () => {
    const bad = new ClientHandshake({ host: 'h', key: KEY });
    expect(() => bad.receiveData(bytes('HTTP/1.1 abc\r\n\r\n'))).toThrow(HandshakeError);
    expect(bad.state).toBe('failed');
    expect(bad.head).toBeUndefined();
    const big = new ClientHandshake({ host: 'h', key: KEY, maxHeaderBytes: 32 });
    expect(() => big.receiveData(response(ok()))).toThrow(expect.objectContaining({ status: 431 }));
  });

  it('completes against a ServerHandshake and exchanges a compressed message', () => {
    const client = new ClientHandshake({ host: 'h', perMessageDeflate: true, protocols: ['a', 'b'] });
    const server = new ServerHandshake({ perMessageDeflate: true, selectProtocol: (offered) => offered.at(-1) });
    for (const chunk of client.dataToSend()) server.receiveData(chunk);
    expect(server.validate()?.protocol).toBe('b');
    server.accept();
    for (const chunk of server.dataToSend()) client.receiveData(chunk);
    expect(client.response?.protocol).toBe('b');
    expect(client.response?.deflate).toBeDefined();
    const frames = client.connection.sendText('x'.repeat(5000));
    expect(Buffer.concat(frames).length).toBeLessThan(200);
    const events = frames.flatMap((f) => server.connection.receive(f));
    expect(events.map((e) => e.type === 'message' && Buffer.from(e.data).toString())).toEqual(['x'.repeat(5000)]);
  });
});
