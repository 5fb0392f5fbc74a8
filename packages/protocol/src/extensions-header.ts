/**
 * The `Sec-WebSocket-Extensions` header (RFC 6455 §9.1):
 *
 *     extension-list  = 1#extension
 *     extension       = extension-token *( ";" extension-param )
 *     extension-param = token [ "=" (token | quoted-string) ]
 *
 * A quoted value must itself be a token once unescaped. Parameters are kept as an ordered list,
 * not a map, so that a repeated parameter stays visible and negotiation can decline it.
 */
import { HandshakeError } from './errors.js';
import { isHttpToken } from './http-head.js';

/** One extension parameter: `[name, value]`, where `true` means the parameter had no value. */
export type ExtensionParam = readonly [name: string, value: string | true];

/** One extension in a `Sec-WebSocket-Extensions` list (an offer, or a server's acceptance). */
export interface ExtensionOffer {
  /** Extension token, case preserved (e.g. `permessage-deflate`). */
  readonly name: string;
  /** Parameters in header order, duplicates included. */
  readonly params: readonly ExtensionParam[];
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
// qdtext and the character after a backslash (RFC 9110 §5.6.4): HT, SP, VCHAR, obs-text.
const QUOTABLE = /[\t\x20-\x7e\x80-\xff]/;

/**
 * Parses a `Sec-WebSocket-Extensions` value into its extensions, in order. Several header lines
 * may be given as an array (they are one list, RFC 9110 §5.3). Empty list elements are ignored
 * (RFC 9110 §5.6.1.2), but at least one extension must be present.
 * @throws {HandshakeError} 400 `WS_ERR_HANDSHAKE_EXTENSION` on any syntax error.
 */
export function parseExtensions(header: string | readonly string[]): ExtensionOffer[] {
  const text = typeof header === 'string' ? header : header.join(',');
  let pos = 0;

  const fail = (what: string): never => {
    throw new HandshakeError(
      'WS_ERR_HANDSHAKE_EXTENSION',
      400,
      `Invalid Sec-WebSocket-Extensions header: ${what} at position ${pos}`,
    );
  };
  const skipSpace = (): void => {
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++;
  };
  const readToken = (what: string): string => {
    const start = pos;
    while (pos < text.length && TOKEN_CHAR.test(text[pos])) pos++;
    if (pos === start) fail(`expected ${what}`);
    return text.slice(start, pos);
  };
  const readQuoted = (): string => {
    pos++; // opening quote
    let value = '';
    for (;;) {
      if (pos >= text.length) fail('unterminated quoted string');
      const char = text[pos++];
      if (char === '"') return value;
      if (char === '\\') {
        if (pos >= text.length || !QUOTABLE.test(text[pos])) fail('invalid escape in quoted string');
        value += text[pos++];
      } else if (QUOTABLE.test(char)) {
        value += char;
      } else {
        fail('invalid character in quoted string');
      }
    }
  };

  const offers: ExtensionOffer[] = [];
  for (;;) {
    skipSpace();
    if (pos >= text.length) break;
    if (text[pos] === ',') {
      pos++;
      continue;
    }
    const name = readToken('an extension name');
    const params: ExtensionParam[] = [];
    skipSpace();
    while (text[pos] === ';') {
      pos++;
      skipSpace();
      const paramName = readToken('a parameter name');
      skipSpace();
      let value: string | true = true;
      if (text[pos] === '=') {
        pos++;
        skipSpace();
        if (text[pos] === '"') {
          value = readQuoted();
          if (!isHttpToken(value)) fail(`quoted value of ${paramName} is not a token`);
        } else {
          value = readToken(`a value for ${paramName}`);
        }
        skipSpace();
      }
      params.push([paramName, value]);
    }
    if (pos < text.length && text[pos] !== ',') fail(`unexpected ${JSON.stringify(text[pos])}`);
    offers.push({ name, params });
  }
  if (offers.length === 0) fail('no extension');
  return offers;
}

/**
 * Writes extensions as a `Sec-WebSocket-Extensions` value, e.g.
 * `permessage-deflate; client_max_window_bits, permessage-deflate`.
 * @throws {TypeError} when a name or value is not a token (RFC 6455 §9.1 allows nothing else).
 */
export function serializeExtensions(offers: readonly ExtensionOffer[]): string {
  return offers
    .map((offer) => {
      if (!isHttpToken(offer.name)) throw new TypeError(`Invalid extension name: ${JSON.stringify(offer.name)}`);
      let out = offer.name;
      for (const [name, value] of offer.params) {
        if (!isHttpToken(name)) throw new TypeError(`Invalid extension parameter name: ${JSON.stringify(name)}`);
        if (value === true) {
          out += `; ${name}`;
        } else {
          if (typeof value !== 'string' || !isHttpToken(value)) {
            throw new TypeError(`Invalid value for extension parameter ${name}: ${JSON.stringify(value)}`);
          }
          out += `; ${name}=${value}`;
        }
      }
      return out;
    })
    .join(', ');
}
