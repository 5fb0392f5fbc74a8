/**
 * Remote addresses in binary form, as uWebSockets.js's `getRemoteAddress` returns them.
 */
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The 4 (IPv4) or 16 (IPv6) bytes of an address in text form, in a fresh ArrayBuffer; empty
 * for anything else (a Unix socket has no address).
 */
export function addressBytes(text: string): ArrayBuffer {
  if (isIPv4(text)) return new Uint8Array(ipv4Bytes(text)).buffer;
  if (isIPv6(text)) return ipv6Bytes(text).buffer as ArrayBuffer;
  return new ArrayBuffer(0);
}

function ipv4Bytes(text: string): number[] {
  return text.split('.').map(Number);
}

function ipv6Bytes(text: string): Uint8Array {
  const out = new Uint8Array(16);
  const zone = text.indexOf('%');
  const address = zone >= 0 ? text.slice(0, zone) : text;
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const groups = (part: string | undefined): number[] => {
    if (part === undefined || part === '') return [];
    const words: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        // An embedded IPv4 address (e.g. ::ffff:127.0.0.1) fills the last two groups.
        const [a, b, c, d] = ipv4Bytes(piece);
        words.push((a << 8) | b, (c << 8) | d);
      } else words.push(parseInt(piece, 16));
    }
    return words;
  };
  const first = groups(head);
  const last = groups(tail);
  const words = [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
  for (let i = 0; i < 8; i++) {
    out[i * 2] = words[i] >> 8;
    out[i * 2 + 1] = words[i] & 0xff;
  }
  return out;
}
