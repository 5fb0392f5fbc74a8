/**
 * Reading a `ws://` URL into what a connect and an upgrade request need.
 */

/** Where to connect and what to ask for. */
export interface WebSocketTarget {
  /** Host to connect to (an IPv6 literal without brackets). */
  readonly host: string;
  readonly port: number;
  /** `Host` header value: the authority, with the port when it is not the default. */
  readonly hostHeader: string;
  /** Request target: path and query. */
  readonly path: string;
  /** `wss:` (or `https:`): TLS. */
  readonly secure: boolean;
}

/**
 * Parses `ws://host[:port]/path?query` or `wss://…` (`http:`/`https:` are taken as `ws:`/`wss:`).
 * @throws {SyntaxError} on an invalid URL, a fragment, or another scheme.
 */
export function parseWebSocketUrl(url: string | URL): WebSocketTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SyntaxError(`Invalid URL: ${String(url)}`);
  }
  const secure = parsed.protocol === 'wss:' || parsed.protocol === 'https:';
  if (!secure && parsed.protocol !== 'ws:' && parsed.protocol !== 'http:') {
    throw new SyntaxError(`Unsupported URL scheme ${parsed.protocol} (ws: or wss:)`);
  }
  if (parsed.hash !== '') throw new SyntaxError('A WebSocket URL must not have a fragment');
  if (parsed.hostname === '') throw new SyntaxError(`URL has no host: ${String(url)}`);
  const port = parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port);
  const hostname = parsed.hostname;
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return {
    host,
    port,
    hostHeader: parsed.port === '' ? hostname : `${hostname}:${port}`,
    path: (parsed.pathname === '' ? '/' : parsed.pathname) + parsed.search,
    secure,
  };
}
