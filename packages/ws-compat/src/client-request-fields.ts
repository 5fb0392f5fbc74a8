/**
 * The header fields of ws's upgrade request as node:http writes them, for the request the
 * protocol's `ClientHandshake` writes on the native transport. ws hands node:http one headers
 * object: the user's headers, then its own (`Sec-WebSocket-Version`, `-Key`, `Connection`,
 * `Upgrade`, the extension offer, the subprotocols, the origin); node:http adds `Host` and
 * `Authorization` when absent. node:http keeps one field per case-insensitive name, at the place
 * it was first set, spelled and valued as it was last set. This file computes that order and the
 * user's fields; the handshake writes its own.
 */
import { Buffer } from 'node:buffer';
import { isHttpToken } from '@uws/protocol';

// node:http's check: obs-text is allowed, it writes the head as Latin-1.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** What the request holds besides the user's headers. */
export interface WsRequestOwn {
  protocolVersion: 8 | 13;
  /** Whether an extension offer / subprotocols / an origin are sent. */
  offer: boolean;
  protocols: boolean;
  origin: boolean;
  /** node:http's `Host` when the user gives none. */
  host: string;
  /** `user:password` for `Authorization: Basic`, sent when the user gives no Authorization. */
  auth: string | undefined;
}

/** Options for the handshake: the user's fields, the order of all fields and the `Host` value. */
export interface WsRequestFields {
  headers: Array<[string, string]>;
  fieldOrder: string[];
  host: string;
}

/**
 * @throws {TypeError} with node:http's wording on a header name that is not a token or a
 * value with a forbidden character.
 */
export function wsRequestFields(user: Record<string, string | number | readonly string[]>, own: WsRequestOwn): WsRequestFields {
  // lower-cased name → [spelling, values]; values undefined: the handshake writes it.
  const fields = new Map<string, [string, string[] | undefined]>();
  const set = (name: string, values: string[] | undefined): void => {
    fields.set(name.toLowerCase(), [name, values]);
  };
  for (const [name, value] of Object.entries(user)) {
    if (!isHttpToken(name)) throw new TypeError(`Header name must be a valid HTTP token ["${name}"]`);
    let values = (Array.isArray(value) ? value : [value]).map(String);
    for (const text of values) if (!FIELD_VALUE.test(text)) throw new TypeError(`Invalid character in header content ["${name}"]`);
    // node:http joins a Cookie list into one field.
    if (name.toLowerCase() === 'cookie' && values.length > 1) values = [values.join('; ')];
    set(name, values);
  }
  set('Sec-WebSocket-Version', undefined);
  set('Sec-WebSocket-Key', undefined);
  set('Connection', undefined);
  set('Upgrade', undefined);
  if (own.offer) set('Sec-WebSocket-Extensions', undefined);
  if (own.protocols) set('Sec-WebSocket-Protocol', undefined);
  if (own.origin) set(own.protocolVersion === 8 ? 'Sec-WebSocket-Origin' : 'Origin', undefined);
  // The user's Host is the handshake's host, spelled as the user spelled it.
  let host = own.host;
  const userHost = fields.get('host');
  if (userHost === undefined) set('Host', undefined);
  else {
    host = userHost[1]?.join(', ') ?? host;
    userHost[1] = undefined;
  }
  if (own.auth !== undefined && !fields.has('authorization')) set('Authorization', [`Basic ${Buffer.from(own.auth).toString('base64')}`]);

  const headers: Array<[string, string]> = [];
  const fieldOrder: string[] = [];
  for (const [name, values] of fields.values()) {
    fieldOrder.push(name);
    if (values !== undefined) for (const value of values) headers.push([name, value]);
  }
  return { headers, fieldOrder, host };
}
