// @ts-check
// The few HTTP/1.1 facts both opening handshakes need: reading a head into its first line and
// its headers, and the Sec-WebSocket-Accept value for a key.
import { createHash } from 'node:crypto';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * Splits a head (without the blank line) into its first line and headers; repeated headers are
 * joined with ", " and names are lower-cased.
 * @param {string} head
 * @returns {{ firstLine: string, headers: Map<string, string> }}
 */
export function readHead(head) {
  const [firstLine, ...rest] = head.split('\r\n');
  /** @type {Map<string, string>} */
  const headers = new Map();
  for (const line of rest) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return { firstLine, headers };
}

/** @param {string} key  the Sec-WebSocket-Key sent */
export function acceptKey(key) {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}
