import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandshakeError } from '../src/errors.js';
import { type ExtensionOffer, parseExtensions, serializeExtensions } from '../src/extensions-header.js';

function expectExtensionError(header: string | string[]): void {
  try {
    parseExtensions(header);
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeError);
    expect((error as HandshakeError).code).toBe('WS_ERR_HANDSHAKE_EXTENSION');
    expect((error as HandshakeError).status).toBe(400);
    return;
  }
  throw new Error(`expected ${JSON.stringify(header)} to be rejected`);
}

describe('parseExtensions', () => {
  it('parses a single extension without parameters', () => {
    expect(parseExtensions('permessage-deflate')).toEqual([{ name: 'permessage-deflate', params: [] }]);
  });

  it('parses several offers in order with valueless, token and quoted parameters', () => {
    expect(
      parseExtensions('permessage-deflate; client_max_window_bits; server_max_window_bits="10", permessage-deflate, foo; a=b'),
    ).toEqual([
      {
        name: 'permessage-deflate',
        params: [
          ['client_max_window_bits', true],
          ['server_max_window_bits', '10'],
        ],
      },
      { name: 'permessage-deflate', params: [] },
      { name: 'foo', params: [['a', 'b']] },
    ]);
  });

  it('keeps repeated parameters so negotiation can see them', () => {
    expect(parseExtensions('x; a; a=1').at(0)?.params).toEqual([
      ['a', true],
      ['a', '1'],
    ]);
  });

  it('allows whitespace around ; , and =', () => {
    expect(parseExtensions(' \tx \t; \ta \t= \t1 \t; b\t ,\t y ; c = "2" ')).toEqual([
      { name: 'x', params: [['a', '1'], ['b', true]] },
      { name: 'y', params: [['c', '2']] },
    ]);
  });

  it('accepts several header lines as one list', () => {
    expect(parseExtensions(['a; x=1', 'b'])).toEqual([
      { name: 'a', params: [['x', '1']] },
      { name: 'b', params: [] },
    ]);
  });

  it('ignores empty list elements', () => {
    expect(parseExtensions(', a ,, b ,')).toEqual([
      { name: 'a', params: [] },
      { name: 'b', params: [] },
    ]);
  });

  it('unescapes quoted values', () => {
    expect(parseExtensions('x; a="\\1\\0"').at(0)?.params).toEqual([['a', '10']]);
  });

  it('keeps the case of names and values', () => {
    expect(parseExtensions('Permessage-Deflate; Client_Max_Window_Bits=A').at(0)).toEqual({
      name: 'Permessage-Deflate',
      params: [['Client_Max_Window_Bits', 'A']],
    });
  });

  it.each([
    ['empty', ''],
    ['only commas', ' , ,'],
    ['empty array', []],
    ['leading semicolon', '; a'],
    ['empty parameter', 'x;'],
    ['empty parameter between others', 'x; ; a'],
    ['missing value', 'x; a='],
    ['missing value before next param', 'x; a=; b'],
    ['quoted value not a token', 'x; a="1 0"'],
    ['empty quoted value', 'x; a=""'],
    ['quoted value with separator', 'x; a="a,b"'],
    ['unterminated quote', 'x; a="10'],
    ['escape at end', 'x; a="1\\'],
    ['quote in token', 'x; a=1"0"'],
    ['space inside a name', 'perm deflate'],
    ['bad character in name', 'x@y'],
    ['bad character in value', 'x; a=1/2'],
    ['double equals', 'x; a==1'],
    ['two values', 'x; a=1 2'],
    ['non-ASCII', 'x; a=\u00e9'],
    ['control character', 'x;\x01a'],
    ['quoted name', '"x"'],
  ])('rejects %s', (_name, header) => {
    expectExtensionError(header);
  });
});

describe('serializeExtensions', () => {
  it('writes offers with parameters', () => {
    expect(
      serializeExtensions([
        { name: 'permessage-deflate', params: [['client_max_window_bits', true], ['server_max_window_bits', '10']] },
        { name: 'permessage-deflate', params: [] },
      ]),
    ).toBe('permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate');
    expect(serializeExtensions([])).toBe('');
  });

  it('refuses anything that is not a token', () => {
    expect(() => serializeExtensions([{ name: 'a b', params: [] }])).toThrow(TypeError);
    expect(() => serializeExtensions([{ name: 'x', params: [['a\r\n', true]] }])).toThrow(TypeError);
    expect(() => serializeExtensions([{ name: 'x', params: [['a', '1\r\nEvil: 1']] }])).toThrow(TypeError);
    expect(() => serializeExtensions([{ name: 'x', params: [['a', '']] }])).toThrow(TypeError);
  });

  it('round-trips through parseExtensions', () => {
    const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,8}$/);
    const offer: fc.Arbitrary<ExtensionOffer> = fc.record({
      name: token,
      params: fc.array(fc.tuple(token, fc.oneof(fc.constant<true>(true), token))),
    });
    fc.assert(
      fc.property(fc.array(offer, { minLength: 1, maxLength: 4 }), (offers) => {
        expect(parseExtensions(serializeExtensions(offers))).toEqual(offers);
      }),
    );
  });
});
