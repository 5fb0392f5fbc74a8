import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandshakeError } from '../src/errors.js';
import {
  type HttpHeadKind,
  HttpHeadParser,
  HttpHeaders,
  formatHeaderFields,
  headerListHasToken,
  isHttpToken,
  splitHeaderList,
} from '../src/http-head.js';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

function parseAll<K extends HttpHeadKind>(kind: K, text: string, options = {}) {
  const result = new HttpHeadParser(kind, options).push(bytes(text));
  if (result === undefined) throw new Error('incomplete head');
  return result;
}

function expectHandshakeError(fn: () => unknown, status: number, code: string): HandshakeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeError);
    expect((error as HandshakeError).status).toBe(status);
    expect((error as HandshakeError).code).toBe(code);
    return error as HandshakeError;
  }
  throw new Error('expected a HandshakeError');
}

const REQUEST =
  'GET /chat?x=1 HTTP/1.1\r\n' +
  'Host: server.example.com\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'X-Multi: a\r\n' +
  'x-multi: b\r\n' +
  'Sec-WebSocket-Version: 13\r\n' +
  '\r\n';
const FRAMES = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];

describe('HttpHeadParser: requests', () => {
  it('parses a request head and hands back the bytes after it', () => {
    const input = new Uint8Array([...bytes(REQUEST), ...FRAMES]);
    const result = new HttpHeadParser('request').push(input);
    expect(result).toBeDefined();
    const { head, bodyOffset, rest } = result!;
    expect(head.kind).toBe('request');
    expect(head.method).toBe('GET');
    expect(head.target).toBe('/chat?x=1');
    expect([head.versionMajor, head.versionMinor]).toEqual([1, 1]);
    expect(head.headers.get('HOST')).toBe('server.example.com');
    expect(head.headers.get('x-multi')).toBe('a, b');
    expect(head.headers.getAll('X-MULTI')).toEqual(['a', 'b']);
    expect(head.headers.has('missing')).toBe(false);
    expect(head.headers.get('missing')).toBeUndefined();
    expect(head.headers.getAll('missing')).toEqual([]);
    expect(head.headers.raw[0]).toEqual(['Host', 'server.example.com']);
    expect(head.headers.raw.map(([name]) => name)).toContain('x-multi');
    expect(head.headers.names()).toContain('sec-websocket-version');
    expect(bodyOffset).toBe(REQUEST.length);
    expect([...rest]).toEqual(FRAMES);
    expect(rest.buffer).toBe(input.buffer); // a view, not a copy
  });

  it('returns undefined until the head is complete', () => {
    const parser = new HttpHeadParser('request');
    expect(parser.push(bytes('GET / HTTP/1.1\r\nHost: a\r\n'))).toBeUndefined();
    expect(parser.push(new Uint8Array(0))).toBeUndefined();
    expect(parser.push(bytes('\r'))).toBeUndefined();
    const result = parser.push(bytes('\n'));
    expect(result?.head.headers.get('host')).toBe('a');
    expect(result?.rest.length).toBe(0);
    expect(parser.bytesRead).toBe('GET / HTTP/1.1\r\nHost: a\r\n\r\n'.length);
  });

  it('gives the same head and rest for every split position', () => {
    const input = new Uint8Array([...bytes(REQUEST), ...FRAMES]);
    const whole = parseAll('request', REQUEST);
    for (let cut = 0; cut <= input.length; cut++) {
      const parser = new HttpHeadParser('request');
      const first = input.subarray(0, cut);
      const second = input.subarray(cut);
      let result = parser.push(first);
      let after: number[];
      if (result !== undefined) {
        after = [...result.rest, ...second];
      } else {
        result = parser.push(second);
        expect(result, `cut at ${cut}`).toBeDefined();
        after = [...result!.rest];
      }
      expect(result!.head).toEqual(whole.head);
      expect(after).toEqual(FRAMES);
    }
  });

  it('handles one byte per push, the terminator included', () => {
    const input = new Uint8Array([...bytes(REQUEST), ...FRAMES]);
    const parser = new HttpHeadParser('request');
    let index = 0;
    let result: ReturnType<typeof parser.push>;
    for (; index < input.length && result === undefined; index++) {
      result = parser.push(input.subarray(index, index + 1));
    }
    expect(index).toBe(REQUEST.length);
    expect(result!.rest.length).toBe(0);
    expect(result!.head).toEqual(parseAll('request', REQUEST).head);
  });

  it('trims optional whitespace around values, keeps inner whitespace, allows empty values', () => {
    const { head } = parseAll('request', 'GET / HTTP/1.1\r\nA: \t x  y \t\r\nB:\r\nC:z\r\n\r\n');
    expect(head.headers.get('a')).toBe('x  y');
    expect(head.headers.get('b')).toBe('');
    expect(head.headers.get('c')).toBe('z');
  });

  it('decodes obs-text in values as Latin-1 (one char per byte)', () => {
    const input = new Uint8Array([...bytes('GET / HTTP/1.1\r\nX: '), 0xe9, 0x80, ...bytes('\r\n\r\n')]);
    const result = new HttpHeadParser('request').push(input);
    expect(result!.head.headers.get('x')).toBe('\u00e9\u0080');
  });

  it('accepts other HTTP versions syntactically (the handshake checks >= 1.1)', () => {
    const { head } = parseAll('request', 'GET / HTTP/1.0\r\n\r\n');
    expect([head.versionMajor, head.versionMinor]).toEqual([1, 0]);
  });

  it.each([
    ['lower-case version', 'GET / http/1.1\r\n\r\n'],
    ['two spaces', 'GET  / HTTP/1.1\r\n\r\n'],
    ['missing target', 'GET HTTP/1.1\r\n\r\n'],
    ['trailing space', 'GET / HTTP/1.1 \r\n\r\n'],
    ['multi-digit version', 'GET / HTTP/1.11\r\n\r\n'],
    ['method not a token', 'G(T / HTTP/1.1\r\n\r\n'],
    ['tab separator', 'GET\t/ HTTP/1.1\r\n\r\n'],
    ['leading empty line', '\r\nGET / HTTP/1.1\r\n\r\n'],
    ['obs-fold', 'GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n'],
    ['obs-fold with tab', 'GET / HTTP/1.1\r\nA: b\r\n\tc\r\n\r\n'],
    ['bare LF line end', 'GET / HTTP/1.1\nHost: a\r\n\r\n'],
    ['bare LF terminator', 'GET / HTTP/1.1\r\nHost: a\n\n'],
    ['CR not followed by LF', 'GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n'],
    ['NUL in value', 'GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n'],
    ['NUL in start line', 'GET /\0 HTTP/1.1\r\n\r\n'],
    ['control character in value', 'GET / HTTP/1.1\r\nHost: a\x01b\r\n\r\n'],
    ['DEL in value', 'GET / HTTP/1.1\r\nHost: a\x7fb\r\n\r\n'],
    ['space before colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n'],
    ['no colon', 'GET / HTTP/1.1\r\nHost a\r\n\r\n'],
    ['empty name', 'GET / HTTP/1.1\r\n: a\r\n\r\n'],
    ['name not a token', 'GET / HTTP/1.1\r\nHo(st: a\r\n\r\n'],
    ['a response line in a request parser', 'HTTP/1.1 101 Switching Protocols\r\n\r\n'],
  ])('rejects %s with 400', (_name, text) => {
    expectHandshakeError(() => parseAll('request', text), 400, 'WS_ERR_HANDSHAKE_BAD_REQUEST');
  });

  it('rejects a malformed start line before reading headers', () => {
    const parser = new HttpHeadParser('request');
    expectHandshakeError(() => parser.push(bytes('BAD\r\n')), 400, 'WS_ERR_HANDSHAKE_BAD_REQUEST');
  });

  it('rethrows the same error after a failure and refuses pushes after completion', () => {
    const failed = new HttpHeadParser('request');
    const error = expectHandshakeError(() => failed.push(bytes('GET / HTTP/1.1\n')), 400, 'WS_ERR_HANDSHAKE_BAD_REQUEST');
    expect(() => failed.push(bytes('\r\n'))).toThrow(error);
    const done = new HttpHeadParser('request');
    done.push(bytes('GET / HTTP/1.1\r\n\r\n'));
    expect(() => done.push(bytes('x'))).toThrow(/already complete/);
  });

  it('validates its options', () => {
    expect(() => new HttpHeadParser('request', { maxHeaderBytes: 0 })).toThrow(RangeError);
    expect(() => new HttpHeadParser('request', { maxHeaderCount: 1.5 })).toThrow(RangeError);
    expect(() => new HttpHeadParser('other' as HttpHeadKind)).toThrow(TypeError);
  });
});

describe('HttpHeadParser: responses', () => {
  it('parses a status line and headers', () => {
    const { head, rest } = parseAll(
      'response',
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nxy',
    );
    expect(head.kind).toBe('response');
    expect(head.status).toBe(101);
    expect(head.reason).toBe('Switching Protocols');
    expect(head.headers.get('upgrade')).toBe('websocket');
    expect(Buffer.from(rest).toString()).toBe('xy');
  });

  it('accepts an empty or missing reason phrase', () => {
    expect(parseAll('response', 'HTTP/1.1 101 \r\n\r\n').head.reason).toBe('');
    expect(parseAll('response', 'HTTP/1.1 403\r\n\r\n').head.status).toBe(403);
  });

  it.each([
    ['two-digit status', 'HTTP/1.1 10 Nope\r\n\r\n'],
    ['four-digit status', 'HTTP/1.1 1010 Nope\r\n\r\n'],
    ['status out of range', 'HTTP/1.1 600 Nope\r\n\r\n'],
    ['missing version', '101 Switching Protocols\r\n\r\n'],
    ['a request line in a response parser', 'GET / HTTP/1.1\r\n\r\n'],
    ['control character in reason', 'HTTP/1.1 101 Swi\x01tching\r\n\r\n'],
  ])('rejects %s with 400', (_name, text) => {
    expectHandshakeError(() => parseAll('response', text), 400, 'WS_ERR_HANDSHAKE_BAD_REQUEST');
  });
});

describe('HttpHeadParser: limits', () => {
  it('accepts a head of exactly maxHeaderBytes and rejects one byte more with 431', () => {
    const base = 'GET / HTTP/1.1\r\nX: \r\n\r\n';
    const fill = 'a'.repeat(8192 - base.length);
    const exact = `GET / HTTP/1.1\r\nX: ${fill}\r\n\r\n`;
    expect(exact.length).toBe(8192);
    expect(parseAll('request', exact).head.headers.get('x')).toBe(fill);
    expectHandshakeError(
      () => parseAll('request', `GET / HTTP/1.1\r\nX: ${fill}a\r\n\r\n`),
      431,
      'WS_ERR_HANDSHAKE_HEADERS_TOO_LARGE',
    );
  });

  it('stops a huge single header line as soon as the limit is crossed, without its end', () => {
    const parser = new HttpHeadParser('request');
    parser.push(bytes('GET / HTTP/1.1\r\nX-Huge: '));
    let pushed = parser.bytesRead;
    const chunk = bytes('a'.repeat(1000));
    const error = expectHandshakeError(
      () => {
        for (;;) {
          parser.push(chunk);
          pushed += chunk.length;
          // A parser that waited for CRLFCRLF would keep accepting; this one must not.
          if (pushed > 20_000) throw new Error('flood was buffered past the limit');
        }
      },
      431,
      'WS_ERR_HANDSHAKE_HEADERS_TOO_LARGE',
    );
    expect(error.message).toMatch(/8192/);
    expect(pushed).toBeLessThanOrEqual(8192);
    expect(parser.bytesRead).toBe(8193);
  });

  it('stops a flood of long header lines at the byte limit', () => {
    const parser = new HttpHeadParser('request');
    parser.push(bytes('GET / HTTP/1.1\r\n'));
    const line = bytes(`X-Flood: ${'v'.repeat(190)}\r\n`); // 200 bytes
    let lines = 0;
    expectHandshakeError(
      () => {
        for (; lines < 1000; lines++) parser.push(line);
      },
      431,
      'WS_ERR_HANDSHAKE_HEADERS_TOO_LARGE',
    );
    expect(lines).toBe(Math.floor((8192 - 16) / 200)); // failed within the line that crossed 8192
  });

  it('stops a flood of small header lines at the count limit', () => {
    const parser = new HttpHeadParser('request');
    parser.push(bytes('GET / HTTP/1.1\r\n'));
    let lines = 0;
    const error = expectHandshakeError(
      () => {
        for (; lines < 10_000; lines++) parser.push(bytes('A: b\r\n'));
      },
      431,
      'WS_ERR_HANDSHAKE_HEADERS_TOO_LARGE',
    );
    expect(error.message).toMatch(/100 header fields/);
    expect(lines).toBe(100); // the 101st line is refused
  });

  it('accepts 100 header fields and rejects 101', () => {
    const head = (count: number) => `GET / HTTP/1.1\r\n${'A: b\r\n'.repeat(count)}\r\n`;
    expect(parseAll('request', head(100)).head.headers.getAll('a')).toHaveLength(100);
    expectHandshakeError(() => parseAll('request', head(101)), 431, 'WS_ERR_HANDSHAKE_HEADERS_TOO_LARGE');
  });

  it('honours custom limits', () => {
    const text = 'GET / HTTP/1.1\r\nA: b\r\nC: d\r\n\r\n';
    expect(parseAll('request', text, { maxHeaderBytes: text.length, maxHeaderCount: 2 }).head.headers.get('c')).toBe('d');
    expectHandshakeError(() => parseAll('request', text, { maxHeaderBytes: text.length - 1 }), 431, 'WS_ERR_HANDSHAKE_HEADERS_TOO_LARGE');
    expectHandshakeError(() => parseAll('request', text, { maxHeaderCount: 1 }), 431, 'WS_ERR_HANDSHAKE_HEADERS_TOO_LARGE');
  });

  it('does not count the bytes after the head against the limit', () => {
    const text = 'GET / HTTP/1.1\r\n\r\n';
    const input = new Uint8Array([...bytes(text), ...new Uint8Array(100_000)]);
    const result = new HttpHeadParser('request', { maxHeaderBytes: text.length }).push(input);
    expect(result!.rest.length).toBe(100_000);
  });
});

describe('HttpHeadParser: property', () => {
  const feed = (kind: HttpHeadKind, chunks: Uint8Array[]): void => {
    const parser = new HttpHeadParser(kind, { maxHeaderBytes: 512, maxHeaderCount: 8 });
    for (const chunk of chunks) {
      try {
        if (parser.push(chunk) !== undefined) return;
      } catch (error) {
        if (!(error instanceof HandshakeError)) throw error;
        expect([400, 431]).toContain(error.status);
        return;
      }
    }
  };

  it('never throws anything but HandshakeError on random bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom<HttpHeadKind>('request', 'response'), fc.array(fc.uint8Array({ maxLength: 64 })), feed),
      { numRuns: 500 },
    );
  });

  it('never throws anything but HandshakeError on near-valid heads', () => {
    const piece = fc.constantFrom(
      'GET / HTTP/1.1', 'HTTP/1.1 101 OK', '\r\n', '\r', '\n', ': ', ':', ' ', '\t', 'Host', 'a', '\0', '\x7f', '\xff',
    );
    fc.assert(
      fc.property(
        fc.constantFrom<HttpHeadKind>('request', 'response'),
        fc.array(piece, { maxLength: 80 }),
        fc.integer({ min: 1, max: 16 }),
        (kind, pieces, size) => {
          const input = bytes(pieces.join(''));
          const chunks: Uint8Array[] = [];
          for (let i = 0; i < input.length; i += size) chunks.push(input.subarray(i, i + size));
          feed(kind, chunks);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('header helpers', () => {
  it('recognises tokens', () => {
    expect(isHttpToken("!#$%&'*+-.^_`|~09azAZ")).toBe(true);
    for (const bad of ['', 'a b', 'a,b', 'a;b', 'a"b', 'a=b', '\u00e9', 'a/b', '(a)']) expect(isHttpToken(bad)).toBe(false);
  });

  it('splits token lists and finds tokens case-insensitively', () => {
    expect(splitHeaderList(' a ,\tb,, c ,')).toEqual(['a', 'b', 'c']);
    expect(headerListHasToken('keep-alive, Upgrade', 'upgrade')).toBe(true);
    expect(headerListHasToken('keep-alive', 'upgrade')).toBe(false);
    expect(headerListHasToken('upgrades', 'upgrade')).toBe(false);
    expect(headerListHasToken(undefined, 'upgrade')).toBe(false);
  });

  it('finds a token wherever it sits in the list, as splitting and lower-casing would', () => {
    const cases: Array<[string, string]> = [
      ['Upgrade', 'upgrade'],
      ['\tUPGRADE ', 'upgrade'],
      [',,upgrade,,', 'upgrade'],
      ['a , b,upGrade', 'upgrade'],
      ['up grade', 'upgrade'],
      ['upgrade-x, x-upgrade', 'upgrade'],
      ['', 'upgrade'],
      [' , ', ''],
      ['caf\u00c9', 'caf\u00e9'],
      ['caf\u00e9', 'cafe'],
      ['\u212a', 'k'], // KELVIN SIGN lower-cases to an ASCII k
    ];
    for (const [value, token] of cases) {
      const expected = splitHeaderList(value).some((element) => element.toLowerCase() === token.toLowerCase());
      expect(headerListHasToken(value, token), `${JSON.stringify(value)} has ${JSON.stringify(token)}`).toBe(expected);
    }
    expect(headerListHasToken('a, \u212a', 'k')).toBe(true);
  });

  it('builds HttpHeaders from pairs', () => {
    const headers = new HttpHeaders([['A', '1'], ['a', '2']]);
    expect(headers.get('A')).toBe('1, 2');
  });

  it('answers every lookup of a parsed head like a map of lower-cased names would', () => {
    const { head } = parseAll('request', REQUEST);
    const headers = head.headers;
    expect(headers.raw).toEqual([
      ['Host', 'server.example.com'],
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
      ['X-Multi', 'a'],
      ['x-multi', 'b'],
      ['Sec-WebSocket-Version', '13'],
    ]);
    expect(headers.raw).toBe(headers.raw); // made once
    expect(headers.names()).toEqual(['host', 'upgrade', 'connection', 'sec-websocket-key', 'x-multi', 'sec-websocket-version']);
    for (const name of ['sec-websocket-key', 'SEC-WEBSOCKET-KEY', 'Sec-WebSocket-Key']) {
      expect(headers.get(name)).toBe('dGhlIHNhbXBsZSBub25jZQ==');
      expect(headers.has(name)).toBe(true);
    }
    expect(headers.getAll('x-multi')).toEqual(['a', 'b']);
    expect(headers.getAll('absent')).toEqual([]);
    expect(headers.has('sec-websocket-ke')).toBe(false);
    expect(headers.get('hos')).toBeUndefined();
  });

  it('writes header fields and refuses injection', () => {
    expect(formatHeaderFields([['X-A', 'b'], ['X-C', ' d ']])).toBe('X-A: b\r\nX-C: d\r\n');
    expect(formatHeaderFields(['X-A: b', 'X-C:  d '])).toBe('X-A: b\r\nX-C: d\r\n');
    expect(formatHeaderFields()).toBe('');
    expect(() => formatHeaderFields([['X-A', 'b\r\nEvil: 1']])).toThrow(TypeError);
    expect(() => formatHeaderFields([['X-A', 'b\nEvil: 1']])).toThrow(TypeError);
    expect(() => formatHeaderFields([['X-A\r\nEvil', 'b']])).toThrow(TypeError);
    expect(() => formatHeaderFields(['X-A: b\r\nEvil: 1'])).toThrow(TypeError);
    expect(() => formatHeaderFields(['no colon'])).toThrow(TypeError);
    expect(() => formatHeaderFields([['X-A', 'b\0']])).toThrow(TypeError);
    expect(() => formatHeaderFields([['X-A', '\u00e9']])).toThrow(TypeError);
    expect(() => formatHeaderFields([['Upgrade', 'x']], new Set(['upgrade']))).toThrow(/set by the handshake/);
  });
});
