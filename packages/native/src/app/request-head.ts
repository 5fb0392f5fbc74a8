import type { IncomingMessage } from 'node:http';

/**
 * The raw head of a request that Node's http parser already consumed (an `http.Server`
 * 'upgrade'), rebuilt from `rawHeaders` so the App can run it through its own handshake path
 * as if it had read it from the wire. Header names and order are kept as received.
 */
export function rebuildRequestHead(req: IncomingMessage): Buffer {
  let head = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  // latin1: header bytes come back exactly as they were on the wire.
  return Buffer.from(`${head}\r\n`, 'latin1');
}
