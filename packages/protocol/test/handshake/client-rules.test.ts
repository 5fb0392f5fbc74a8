import { describe, expect, it } from 'vitest';
import { HandshakeError, type HandshakeErrorReason } from '../../src/errors.js';
import { type UpgradeResponseExpectations, buildUpgradeRequest, validateUpgradeResponse } from '../../src/handshake/client-rules.js';
import {
  type ServerHandshakeOptions,
  acceptKey,
  buildAcceptResponse,
  buildRejectResponse,
  isValidWebSocketKey,
  validateUpgradeRequest,
} from '../../src/handshake/server-rules.js';
import { type HttpHeadKind, type HttpHeadOf, HttpHeadParser } from '../../src/http-head.js';
import type { PerMessageDeflateOptions } from '../../src/deflate/negotiation.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

function parse<K extends HttpHeadKind>(kind: K, text: string): HttpHeadOf<K> {
  const result = new HttpHeadParser(kind).push(new Uint8Array(Buffer.from(text, 'utf8')));
  if (result === undefined) throw new Error('incomplete');
  return result.head;
}

/** A 101 response with fields replaced or removed (`null`). */
function response(overrides: Record<string, string | string[] | null> = {}, statusLine = 'HTTP/1.1 101 Switching Protocols') {
  const fields: Record<string, string | string[] | null> = {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Accept': ACCEPT,
    ...overrides,
  };
  let text = `${statusLine}\r\n`;
  for (const [name, value] of Object.entries(fields)) {
    if (value === null) continue;
    for (const one of Array.isArray(value) ? value : [value]) text += `${name}: ${one}\r\n`;
  }
  return parse('response', `${text}\r\n`);
}

function refused(head: ReturnType<typeof response>, expected: Partial<UpgradeResponseExpectations> = {}): HandshakeError {
  try {
    validateUpgradeResponse(head, { key: KEY, ...expected });
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeError);
    return error as HandshakeError;
  }
  throw new Error('expected the response to be refused');
}

describe('buildUpgradeRequest', () => {
  it('writes a request with a fresh random key', () => {
    const a = buildUpgradeRequest({ host: 'server.example.com', path: '/chat' });
    const b = buildUpgradeRequest({ host: 'server.example.com', path: '/chat' });
    expect(isValidWebSocketKey(a.key)).toBe(true);
    expect(Buffer.from(a.key, 'base64')).toHaveLength(16);
    expect(a.key).not.toBe(b.key);
    expect(a.request).toBe(
      'GET /chat HTTP/1.1\r\n' +
        'Host: server.example.com\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${a.key}\r\n` +
        'Sec-WebSocket-Version: 13\r\n' +
        '\r\n',
    );
  });

  it('adds origin, protocols, the deflate offer and extra headers', () => {
    const { request, key } = buildUpgradeRequest({
      host: 'server.example.com:8080',
      key: KEY,
      origin: 'http://example.com',
      protocols: ['chat', 'superchat'],
      perMessageDeflate: { clientMaxWindowBits: true },
      headers: [['Authorization', 'Bearer x']],
    });
    expect(key).toBe(KEY);
    expect(request).toBe(
      'GET / HTTP/1.1\r\n' +
        'Host: server.example.com:8080\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${KEY}\r\n` +
        'Sec-WebSocket-Version: 13\r\n' +
        'Origin: http://example.com\r\n' +
        'Sec-WebSocket-Protocol: chat, superchat\r\n' +
        'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' +
        'Authorization: Bearer x\r\n' +
        '\r\n',
    );
    expect(buildUpgradeRequest({ host: 'h', perMessageDeflate: true }).request).toContain(
      '\r\nSec-WebSocket-Extensions: permessage-deflate\r\n',
    );
  });

  it('refuses invalid input', () => {
    expect(() => buildUpgradeRequest({ host: 'a b' })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: 'a\r\nEvil: 1' })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: '' })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: 'h', path: '/a b' })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: 'h', path: '/\r\n' })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: 'h', origin: 'http://a\nb' })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: 'h', protocols: ['a b'] })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: 'h', protocols: ['a,b'] })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: 'h', protocols: ['a', 'a'] })).toThrow(/Duplicate/);
    expect(() => buildUpgradeRequest({ host: 'h', protocols: [''] })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: 'h', key: 'short' })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: 'h', headers: [['X', 'a\r\nb']] })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: 'h', headers: [['Sec-WebSocket-Key', KEY]] })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: 'h', perMessageDeflate: { clientMaxWindowBits: 7 } })).toThrow(RangeError);
    expect(() => buildUpgradeRequest({ host: 'h', headers: [['X', 'caf\u0153']] })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: 'h', version: 12 as 13 })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: 'h', protocolSeparator: ';' as ',' })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: 'h', fieldOrder: ['Host', 'a b'] })).toThrow(TypeError);
    expect(() => buildUpgradeRequest({ host: 'h', fieldOrder: 'Host' as unknown as string[] })).toThrow(TypeError);
  });

  it('refuses an extra header the handshake writes itself, and only those', () => {
    expect(() => buildUpgradeRequest({ host: 'h', origin: 'http://o', headers: [['origin', 'x']] })).toThrow(/set by the handshake/);
    expect(() => buildUpgradeRequest({ host: 'h', protocols: ['a'], headers: [['Sec-WebSocket-Protocol', 'b']] })).toThrow(/set by the handshake/);
    expect(() => buildUpgradeRequest({ host: 'h', headers: [['host', 'x']] })).toThrow(/set by the handshake/);
    // Not written here, so the caller may send its own.
    expect(buildUpgradeRequest({ host: 'h', key: KEY, headers: [['Origin', 'http://o'], ['Sec-WebSocket-Protocol', 'p']] }).request).toContain(
      `Sec-WebSocket-Version: 13\r\nOrigin: http://o\r\nSec-WebSocket-Protocol: p\r\n\r\n`,
    );
  });

  it('sends version 8 with Sec-WebSocket-Origin, and joins subprotocols with the separator given', () => {
    const { request } = buildUpgradeRequest({ host: 'h', key: KEY, version: 8, origin: 'http://o', protocols: ['a', 'b'], protocolSeparator: ',' });
    expect(request).toBe(
      'GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Origin: http://o\r\nSec-WebSocket-Protocol: a,b\r\n\r\n`,
    );
  });

  it('writes the fields in fieldOrder, spelled as given there, the rest after', () => {
    const { request } = buildUpgradeRequest({
      host: 'h:1',
      key: KEY,
      protocols: ['p'],
      perMessageDeflate: true,
      headers: [['X-A', '1'], ['Cookie', 'a=1'], ['X-Latin', 'caf\u00e9'], ['X-A', '2']],
      fieldOrder: ['x-a', 'Sec-WebSocket-Version', 'sec-websocket-key', 'Connection', 'Upgrade', 'Sec-WebSocket-Extensions', 'Sec-WebSocket-Protocol', 'host'],
    });
    expect(request).toBe(
      'GET / HTTP/1.1\r\nX-A: 1\r\nX-A: 2\r\nSec-WebSocket-Version: 13\r\n' +
        `sec-websocket-key: ${KEY}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Extensions: permessage-deflate\r\nSec-WebSocket-Protocol: p\r\nhost: h:1\r\n' +
        'Cookie: a=1\r\nX-Latin: caf\u00e9\r\n\r\n',
    );
    // obs-text goes out as one byte per character.
    expect(Buffer.from(request, 'latin1').includes(Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe(true);
    // The default order is unchanged by an empty fieldOrder.
    expect(buildUpgradeRequest({ host: 'h', key: KEY, fieldOrder: [] }).request).toBe(buildUpgradeRequest({ host: 'h', key: KEY }).request);
  });
});

describe('validateUpgradeResponse', () => {
  it('accepts the RFC 6455 §1.3 answer', () => {
    const head = response();
    expect(validateUpgradeResponse(head, { key: KEY })).toEqual({
      protocol: undefined,
      deflate: undefined,
      extensions: '',
      headers: head.headers,
    });
  });

  it('accepts token lists in Upgrade and Connection', () => {
    expect(() => validateUpgradeResponse(response({ Upgrade: 'WebSocket', Connection: 'keep-alive, upgrade' }), { key: KEY })).not.toThrow();
  });

  it('reports the status of a non-101 answer', () => {
    const error = refused(parse('response', buildRejectResponse(403)));
    expect([error.code, error.status, error.reason]).toEqual(['WS_ERR_HANDSHAKE_RESPONSE', 403, 'status']);
    expect(refused(response({}, 'HTTP/1.1 200 OK')).status).toBe(200);
  });

  it('refuses a 101 in HTTP/1.0', () => {
    expect(refused(response({}, 'HTTP/1.0 101 Switching Protocols')).code).toBe('WS_ERR_HANDSHAKE_RESPONSE');
    expect(refused(response({}, 'HTTP/1.0 101 Switching Protocols')).reason).toBe('http-version');
    expect(validateUpgradeResponse(response({}, 'HTTP/1.0 101 Switching Protocols'), { key: KEY, acceptHttp10: true }).protocol).toBeUndefined();
    expect(refused(response({}, 'HTTP/0.9 101 Switching Protocols'), { acceptHttp10: true }).reason).toBe('http-version');
  });

  it.each([
    ['missing Upgrade', { Upgrade: null }, 'upgrade'],
    ['wrong Upgrade', { Upgrade: 'h2c' }, 'upgrade'],
    ['missing Connection', { Connection: null }, 'connection'],
    ['wrong Connection', { Connection: 'close' }, 'connection'],
  ])('refuses %s', (_name, overrides, reason) => {
    const error = refused(response(overrides));
    expect([error.code, error.status, error.reason]).toEqual(['WS_ERR_HANDSHAKE_UPGRADE', 101, reason]);
  });

  it.each([
    ['missing accept', { 'Sec-WebSocket-Accept': null }],
    ['wrong accept', { 'Sec-WebSocket-Accept': acceptKey('AAAAAAAAAAAAAAAAAAAAAA==') }],
    ['repeated accept', { 'Sec-WebSocket-Accept': [ACCEPT, ACCEPT] }],
    ['accept of the wrong case', { 'Sec-WebSocket-Accept': ACCEPT.toLowerCase() }],
  ])('refuses %s', (_name, overrides) => {
    const error = refused(response(overrides));
    expect([error.code, error.status, error.reason]).toEqual(['WS_ERR_HANDSHAKE_ACCEPT', 101, 'accept']);
  });

  describe('subprotocol', () => {
    it('returns the selected protocol', () => {
      expect(validateUpgradeResponse(response({ 'Sec-WebSocket-Protocol': 'superchat' }), { key: KEY, protocols: ['chat', 'superchat'] }).protocol).toBe(
        'superchat',
      );
    });

    it.each([
      ['a protocol when none was offered', { 'Sec-WebSocket-Protocol': 'chat' }, [], /none was requested/, 'subprotocol-unrequested'],
      ['no protocol when some were offered', {}, ['chat'], /no subprotocol/, 'subprotocol-missing'],
      ['a protocol not offered', { 'Sec-WebSocket-Protocol': 'other' }, ['chat'], /invalid subprotocol/, 'subprotocol-invalid'],
      ['a protocol list', { 'Sec-WebSocket-Protocol': 'chat, superchat' }, ['chat', 'superchat'], /invalid subprotocol/, 'subprotocol-invalid'],
      ['a repeated header', { 'Sec-WebSocket-Protocol': ['chat', 'chat'] }, ['chat'], /invalid subprotocol/, 'subprotocol-invalid'],
    ])('refuses %s', (_name, overrides, protocols, message, reason) => {
      const error = refused(response(overrides), { protocols });
      expect([error.code, error.status, error.reason]).toEqual(['WS_ERR_HANDSHAKE_SUBPROTOCOL', 101, reason]);
      expect(error.message).toMatch(message);
    });
  });

  describe('extensions', () => {
    it('returns the deflate agreement', () => {
      const result = validateUpgradeResponse(response({ 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits=10' }), {
        key: KEY,
        perMessageDeflate: { clientMaxWindowBits: true },
      });
      expect(result.deflate).toEqual({
        serverNoContextTakeover: false,
        clientNoContextTakeover: false,
        serverMaxWindowBits: 15,
        clientMaxWindowBits: 10,
      });
      expect(result.extensions).toBe('permessage-deflate; client_max_window_bits=10');
    });

    it('runs without compression when the server answers with no extension', () => {
      expect(validateUpgradeResponse(response(), { key: KEY, perMessageDeflate: true }).deflate).toBeUndefined();
    });

    it.each<[string, string | string[], PerMessageDeflateOptions | boolean | undefined, RegExp, HandshakeErrorReason]>([
      ['an extension when none was offered', 'permessage-deflate', undefined, /no extension was requested/, 'extension-unrequested'],
      ['an extension when deflate was off', 'permessage-deflate', false, /no extension was requested/, 'extension-unrequested'],
      ['another extension', 'x-webkit-deflate-frame', true, /unexpected extension/, 'extension-unknown'],
      ['two extensions', 'permessage-deflate, permessage-deflate', true, /more than/, 'extension-unknown'],
      ['two header lines', ['permessage-deflate', 'foo'], true, /more than/, 'extension-unknown'],
      ['a malformed header', 'permessage-deflate; a="b c"', true, /Invalid Sec-WebSocket-Extensions/, 'extension-syntax'],
      ['a bad parameter', 'permessage-deflate; foo', true, /unknown parameter/, 'extension-params'],
      ['an unoffered client window', 'permessage-deflate; client_max_window_bits=10', true, /not offered/, 'extension-params'],
    ])('refuses %s', (_name, value, perMessageDeflate, message, reason) => {
      const error = refused(response({ 'Sec-WebSocket-Extensions': value }), { perMessageDeflate });
      expect([error.code, error.status, error.reason]).toEqual(['WS_ERR_HANDSHAKE_EXTENSION', 101, reason]);
      expect(error.message).toMatch(message);
    });
  });
});

describe('client request → server → 101 → client', () => {
  const cases: Array<[string, { protocols?: string[]; client?: PerMessageDeflateOptions | boolean; server?: ServerHandshakeOptions }]> = [
    ['plain', {}],
    ['with subprotocols', { protocols: ['chat', 'superchat'], server: { selectProtocol: (offered) => offered[1] } }],
    ['with deflate', { client: true, server: { perMessageDeflate: true } }],
    [
      'with deflate parameters and subprotocols',
      {
        protocols: ['v1'],
        client: { clientMaxWindowBits: 12, serverMaxWindowBits: 11, clientNoContextTakeover: true },
        server: { perMessageDeflate: { clientMaxWindowBits: 10, serverNoContextTakeover: true }, selectProtocol: (o) => o[0] },
      },
    ],
    ['with deflate offered but declined', { client: {}, server: { perMessageDeflate: { clientMaxWindowBits: 10 } } }],
    ['with 8-bit windows both ways', { client: { serverMaxWindowBits: 8, clientMaxWindowBits: true }, server: { perMessageDeflate: { clientMaxWindowBits: 8 } } }],
    ['with deflate offered to a server without it', { client: true }],
  ];

  it.each(cases)('%s', (_name, { protocols, client, server }) => {
    const { request, key } = buildUpgradeRequest({ host: 'example.com', path: '/ws?room=1', protocols, perMessageDeflate: client, origin: 'https://example.com' });
    const requestHead = parse('request', request);
    const accepted = validateUpgradeRequest(requestHead, server);
    expect(accepted.key).toBe(key);
    expect(accepted.path).toBe('/ws?room=1');
    expect(accepted.host).toBe('example.com');
    expect(accepted.origin).toBe('https://example.com');
    expect(accepted.protocols).toEqual(protocols ?? []);

    // The server's frames may arrive in the same chunk as the 101.
    const bytes = new Uint8Array([...Buffer.from(buildAcceptResponse(accepted), 'latin1'), 0x81, 0x00]);
    const parsed = new HttpHeadParser('response').push(bytes);
    expect([...parsed!.rest]).toEqual([0x81, 0x00]);
    const result = validateUpgradeResponse(parsed!.head, { key, protocols, perMessageDeflate: client });
    expect(result.protocol).toBe(accepted.protocol);
    expect(result.deflate).toEqual(accepted.deflate);
    expect(result.extensions).toBe(accepted.extensions ?? '');
  });

  it('agrees on the negotiated parameters in the parameterised case', () => {
    const { request, key } = buildUpgradeRequest({ host: 'h', perMessageDeflate: { clientMaxWindowBits: 12, serverMaxWindowBits: 11 } });
    const accepted = validateUpgradeRequest(parse('request', request), { perMessageDeflate: { clientMaxWindowBits: 10 } });
    expect(accepted.extensions).toBe('permessage-deflate; server_max_window_bits=11; client_max_window_bits=10');
    const result = validateUpgradeResponse(parse('response', buildAcceptResponse(accepted)), {
      key,
      perMessageDeflate: { clientMaxWindowBits: 12, serverMaxWindowBits: 11 },
    });
    expect(result.deflate).toEqual({ serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 11, clientMaxWindowBits: 10 });
  });
});
