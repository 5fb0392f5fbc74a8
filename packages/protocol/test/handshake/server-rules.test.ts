import { describe, expect, it } from 'vitest';
import { HandshakeError } from '../../src/errors.js';
import {
  type ServerHandshakeOptions,
  acceptKey,
  buildAcceptResponse,
  buildRejectResponse,
  isValidWebSocketKey,
  rejectionFor,
  validateUpgradeRequest,
} from '../../src/handshake/server-rules.js';
import { type HttpRequestHead, HttpHeadParser } from '../../src/http-head.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** The RFC 6455 §1.3 request, with fields replaced or removed (`null`) as given. */
function request(overrides: Record<string, string | string[] | null> = {}, startLine = 'GET /chat HTTP/1.1'): HttpRequestHead {
  const fields: Record<string, string | string[] | null> = {
    Host: 'server.example.com',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': KEY,
    Origin: 'http://example.com',
    'Sec-WebSocket-Version': '13',
    ...overrides,
  };
  let text = `${startLine}\r\n`;
  for (const [name, value] of Object.entries(fields)) {
    if (value === null) continue;
    for (const one of Array.isArray(value) ? value : [value]) text += `${name}: ${one}\r\n`;
  }
  const result = new HttpHeadParser('request').push(new Uint8Array(Buffer.from(`${text}\r\n`, 'latin1')));
  if (result === undefined) throw new Error('incomplete');
  return result.head;
}

function rejected(head: HttpRequestHead, options?: ServerHandshakeOptions): HandshakeError {
  try {
    validateUpgradeRequest(head, options);
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeError);
    return error as HandshakeError;
  }
  throw new Error('expected the request to be rejected');
}

describe('acceptKey', () => {
  it('computes the RFC 6455 §1.3 example', () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

describe('isValidWebSocketKey', () => {
  it('accepts canonical base64 of 16 bytes only', () => {
    expect(isValidWebSocketKey(KEY)).toBe(true);
    expect(isValidWebSocketKey(Buffer.alloc(16, 0xff).toString('base64'))).toBe(true);
    expect(isValidWebSocketKey(Buffer.alloc(15).toString('base64'))).toBe(false);
    expect(isValidWebSocketKey(Buffer.alloc(17).toString('base64'))).toBe(false);
    expect(isValidWebSocketKey('dGhlIHNhbXBsZSBub25jZR==')).toBe(false); // non-zero padding bits
    expect(isValidWebSocketKey('dGhlIHNhbXBsZSBub25jZQ')).toBe(false);
    expect(isValidWebSocketKey('dGhlIHNhbXBsZSBub25jZQ=')).toBe(false);
    expect(isValidWebSocketKey('dGhlIHNhbXBsZSBub25j-_==')).toBe(false); // base64url alphabet
    expect(isValidWebSocketKey(' dGhlIHNhbXBsZSBub25jZQ==')).toBe(false);
  });
});

describe('validateUpgradeRequest', () => {
  it('accepts the RFC 6455 §1.3 request', () => {
    const head = request();
    const result = validateUpgradeRequest(head);
    expect(result).toEqual({
      key: KEY,
      path: '/chat',
      host: 'server.example.com',
      origin: 'http://example.com',
      protocols: [],
      protocol: undefined,
      deflate: undefined,
      extensions: undefined,
      headers: head.headers,
    });
  });

  it('accepts token lists and any case in Upgrade and Connection', () => {
    expect(() => validateUpgradeRequest(request({ Upgrade: 'h2c, WebSocket', Connection: 'keep-alive, Upgrade' }))).not.toThrow();
    expect(() => validateUpgradeRequest(request({ Connection: ['keep-alive', 'UPGRADE'] }))).not.toThrow();
  });

  it('accepts a request without Origin and HTTP versions above 1.1', () => {
    expect(validateUpgradeRequest(request({ Origin: null })).origin).toBeUndefined();
    expect(() => validateUpgradeRequest(request({}, 'GET / HTTP/2.0'))).not.toThrow();
  });

  it.each([
    ['POST', 'POST /chat HTTP/1.1'],
    ['lower-case get', 'get /chat HTTP/1.1'],
  ])('rejects method %s with 400', (_name, line) => {
    const error = rejected(request({}, line));
    expect([error.status, error.code]).toEqual([400, 'WS_ERR_HANDSHAKE_METHOD']);
  });

  it('rejects HTTP/1.0 with 400', () => {
    const error = rejected(request({}, 'GET /chat HTTP/1.0'));
    expect([error.status, error.code]).toEqual([400, 'WS_ERR_HANDSHAKE_BAD_REQUEST']);
  });

  it.each([
    ['missing Host', { Host: null }],
    ['empty Host', { Host: '' }],
    ['repeated Host', { Host: ['a', 'b'] }],
    ['repeated Origin', { Origin: ['http://a', 'http://b'] }],
    ['Transfer-Encoding', { 'Transfer-Encoding': 'chunked' }],
    ['a Content-Length body', { 'Content-Length': '5' }],
  ])('rejects %s with 400', (_name, overrides) => {
    const error = rejected(request(overrides));
    expect([error.status, error.code]).toEqual([400, 'WS_ERR_HANDSHAKE_BAD_REQUEST']);
  });

  it('allows Content-Length: 0', () => {
    expect(() => validateUpgradeRequest(request({ 'Content-Length': '0' }))).not.toThrow();
  });

  it.each([
    ['missing Upgrade', { Upgrade: null }],
    ['Upgrade without websocket', { Upgrade: 'h2c' }],
    ['Upgrade with a versioned product', { Upgrade: 'websocket/13' }],
    ['missing Connection', { Connection: null }],
    ['Connection without upgrade', { Connection: 'keep-alive' }],
    ['Connection with a near miss', { Connection: 'upgrades' }],
  ])('rejects %s with 400', (_name, overrides) => {
    const error = rejected(request(overrides));
    expect([error.status, error.code]).toEqual([400, 'WS_ERR_HANDSHAKE_UPGRADE']);
  });

  it.each([
    ['missing version', { 'Sec-WebSocket-Version': null }],
    ['version 8', { 'Sec-WebSocket-Version': '8' }],
    ['version 013', { 'Sec-WebSocket-Version': '013' }],
    ['repeated version', { 'Sec-WebSocket-Version': ['13', '13'] }],
    ['a version list', { 'Sec-WebSocket-Version': '13, 8' }],
  ])('rejects %s with 426', (_name, overrides) => {
    const error = rejected(request(overrides));
    expect([error.status, error.code]).toEqual([426, 'WS_ERR_HANDSHAKE_VERSION']);
    expect(rejectionFor(error)).toMatch(/^HTTP\/1\.1 426 Upgrade Required\r\n[^]*Sec-WebSocket-Version: 13\r\n/);
  });

  it.each([
    ['missing key', { 'Sec-WebSocket-Key': null }],
    ['repeated key', { 'Sec-WebSocket-Key': [KEY, KEY] }],
    ['a 15-byte key', { 'Sec-WebSocket-Key': Buffer.alloc(15).toString('base64') }],
    ['a 17-byte key', { 'Sec-WebSocket-Key': Buffer.alloc(17).toString('base64') }],
    ['a key without padding', { 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ' }],
    ['a non-base64 key', { 'Sec-WebSocket-Key': 'not a base64 key at all!' }],
    ['an empty key', { 'Sec-WebSocket-Key': '' }],
  ])('rejects %s with 400', (_name, overrides) => {
    const error = rejected(request(overrides));
    expect([error.status, error.code]).toEqual([400, 'WS_ERR_HANDSHAKE_KEY']);
  });

  describe('origin', () => {
    it('passes the origin to verifyOrigin and rejects with 403 when refused', () => {
      const seen: Array<string | undefined> = [];
      const verifyOrigin = (origin: string | undefined) => {
        seen.push(origin);
        return origin === 'https://good.example';
      };
      expect(validateUpgradeRequest(request({ Origin: 'https://good.example' }), { verifyOrigin }).origin).toBe('https://good.example');
      const error = rejected(request(), { verifyOrigin });
      expect([error.status, error.code]).toEqual([403, 'WS_ERR_HANDSHAKE_FORBIDDEN']);
      rejected(request({ Origin: null }), { verifyOrigin });
      expect(seen).toEqual(['https://good.example', 'http://example.com', undefined]);
    });
  });

  describe('subprotocols', () => {
    it('lists the offered protocols and chooses none by default', () => {
      const result = validateUpgradeRequest(request({ 'Sec-WebSocket-Protocol': ['chat, superchat', 'v2.json'] }));
      expect(result.protocols).toEqual(['chat', 'superchat', 'v2.json']);
      expect(result.protocol).toBeUndefined();
    });

    it('uses selectProtocol', () => {
      const result = validateUpgradeRequest(request({ 'Sec-WebSocket-Protocol': 'chat, superchat' }), {
        selectProtocol: (offered) => offered.find((p) => p === 'superchat'),
      });
      expect(result.protocol).toBe('superchat');
    });

    it('does not call selectProtocol when nothing was offered', () => {
      let called = false;
      const result = validateUpgradeRequest(request(), {
        selectProtocol: () => {
          called = true;
          return 'chat';
        },
      });
      expect([called, result.protocol]).toEqual([false, undefined]);
    });

    it('refuses a selection that was not offered', () => {
      expect(() =>
        validateUpgradeRequest(request({ 'Sec-WebSocket-Protocol': 'chat' }), { selectProtocol: () => 'other' }),
      ).toThrow(TypeError);
    });

    it.each([
      ['an invalid token', 'chat, super chat'],
      ['a separator', 'chat/1'],
      ['a duplicate', 'chat, superchat, chat'],
      ['an empty list', ' , '],
    ])('rejects %s with 400', (_name, value) => {
      const error = rejected(request({ 'Sec-WebSocket-Protocol': value }));
      expect([error.status, error.code]).toEqual([400, 'WS_ERR_HANDSHAKE_BAD_REQUEST']);
    });
  });

  describe('extensions', () => {
    it('ignores Sec-WebSocket-Extensions unless deflate is enabled', () => {
      const head = request({ 'Sec-WebSocket-Extensions': 'permessage-deflate; !!!bad=="' });
      expect(validateUpgradeRequest(head).deflate).toBeUndefined();
      expect(validateUpgradeRequest(head, { perMessageDeflate: false }).extensions).toBeUndefined();
    });

    it('negotiates permessage-deflate when enabled', () => {
      const head = request({ 'Sec-WebSocket-Extensions': ['foo', 'permessage-deflate; client_max_window_bits'] });
      const result = validateUpgradeRequest(head, { perMessageDeflate: { clientMaxWindowBits: 10, serverNoContextTakeover: true } });
      expect(result.deflate).toEqual({
        serverNoContextTakeover: true,
        clientNoContextTakeover: false,
        serverMaxWindowBits: 15,
        clientMaxWindowBits: 10,
      });
      expect(result.extensions).toBe('permessage-deflate; server_no_context_takeover; client_max_window_bits=10');
      expect(validateUpgradeRequest(head, { perMessageDeflate: true }).extensions).toBe('permessage-deflate');
    });

    it('runs without compression when every offer is declined', () => {
      const result = validateUpgradeRequest(request({ 'Sec-WebSocket-Extensions': 'permessage-deflate' }), {
        perMessageDeflate: { clientMaxWindowBits: 10 },
      });
      expect([result.deflate, result.extensions]).toEqual([undefined, undefined]);
      expect(validateUpgradeRequest(request(), { perMessageDeflate: true }).deflate).toBeUndefined();
    });

    it('rejects a malformed header with 400 when deflate is enabled', () => {
      const error = rejected(request({ 'Sec-WebSocket-Extensions': 'permessage-deflate; a="b c"' }), { perMessageDeflate: true });
      expect([error.status, error.code]).toEqual([400, 'WS_ERR_HANDSHAKE_EXTENSION']);
    });
  });
});

describe('buildAcceptResponse', () => {
  it('writes the RFC 6455 §1.3 answer', () => {
    expect(buildAcceptResponse({ key: KEY, protocol: undefined, extensions: undefined })).toBe(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
        '\r\n',
    );
  });

  it('includes the protocol, the extensions and extra headers', () => {
    const accepted = validateUpgradeRequest(
      request({ 'Sec-WebSocket-Protocol': 'chat', 'Sec-WebSocket-Extensions': 'permessage-deflate' }),
      { selectProtocol: (offered) => offered[0], perMessageDeflate: true },
    );
    expect(buildAcceptResponse(accepted, [['Set-Cookie', 'a=b']])).toBe(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
        'Sec-WebSocket-Protocol: chat\r\n' +
        'Sec-WebSocket-Extensions: permessage-deflate\r\n' +
        'Set-Cookie: a=b\r\n' +
        '\r\n',
    );
    expect(buildAcceptResponse(accepted, ['X-A: 1'])).toContain('\r\nX-A: 1\r\n\r\n');
  });

  it('refuses header injection and repeated handshake fields', () => {
    const accepted = { key: KEY, protocol: undefined, extensions: undefined };
    expect(() => buildAcceptResponse(accepted, [['X-A', 'b\r\nEvil: 1']])).toThrow(TypeError);
    expect(() => buildAcceptResponse(accepted, [['X-A\n', 'b']])).toThrow(TypeError);
    expect(() => buildAcceptResponse(accepted, ['X-A: b\r\n\r\nHTTP/1.1 200 OK'])).toThrow(TypeError);
    expect(() => buildAcceptResponse(accepted, [['sec-websocket-accept', 'x']])).toThrow(TypeError);
    expect(() => buildAcceptResponse(accepted, [['Connection', 'close']])).toThrow(TypeError);
    expect(() => buildAcceptResponse({ ...accepted, protocol: 'a\r\nb' })).toThrow(TypeError);
    expect(() => buildAcceptResponse({ ...accepted, extensions: 'x\r\nEvil: 1' })).toThrow(TypeError);
  });
});

describe('buildRejectResponse', () => {
  it('writes a complete response that closes the connection', () => {
    expect(buildRejectResponse(400, 'Missing or invalid Sec-WebSocket-Key header')).toBe(
      'HTTP/1.1 400 Bad Request\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 43\r\n' +
        '\r\n' +
        'Missing or invalid Sec-WebSocket-Key header',
    );
  });

  it('uses the status text as the default body and counts UTF-8 bytes', () => {
    expect(buildRejectResponse(403)).toBe(
      'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 9\r\n\r\nForbidden',
    );
    expect(buildRejectResponse(400, 'é')).toContain('Content-Length: 2\r\n');
    expect(buildRejectResponse(431)).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(buildRejectResponse(418)).toMatch(/^HTTP\/1\.1 418 Client Error\r\n/);
  });

  it('adds Sec-WebSocket-Version to a 426 and extra headers', () => {
    const response = buildRejectResponse(426, undefined, [['Retry-After', '1']]);
    expect(response).toContain('\r\nSec-WebSocket-Version: 13\r\nRetry-After: 1\r\n\r\nUpgrade Required');
  });

  it('refuses bad statuses, injection and repeated fields', () => {
    expect(() => buildRejectResponse(101)).toThrow(RangeError);
    expect(() => buildRejectResponse(600)).toThrow(RangeError);
    expect(() => buildRejectResponse(400.5)).toThrow(RangeError);
    expect(() => buildRejectResponse(400, 'x', [['X', 'a\rb']])).toThrow(TypeError);
    expect(() => buildRejectResponse(400, 'x', [['Content-Length', '0']])).toThrow(TypeError);
    expect(() => buildRejectResponse(426, 'x', [['Sec-WebSocket-Version', '8']])).toThrow(TypeError);
  });
});

describe('rejectionFor', () => {
  it('answers each handshake error with its status and message', () => {
    expect(rejectionFor(rejected(request({ Host: null })))).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[^]*\r\n\r\nMissing or repeated Host header$/);
    expect(rejectionFor(new HandshakeError('WS_ERR_HANDSHAKE_HEADERS_TOO_LARGE', 431, 'too big'))).toMatch(/^HTTP\/1\.1 431 /);
    expect(rejectionFor(new HandshakeError('WS_ERR_HANDSHAKE_FORBIDDEN', 403, 'no'))).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(rejectionFor(new HandshakeError('WS_ERR_HANDSHAKE_RESPONSE', 0, 'odd'))).toMatch(/^HTTP\/1\.1 400 /);
  });
});
