/**
 * The client's opening handshake through node:http / node:https, made the way ws makes it
 * (the same request options, `createConnection` defaulting to net/tls connect, `port` a string
 * when the URL has one). Used when the request itself matters to the user — `agent`,
 * `createConnection`, `finishRequest`, `lookup`, the socket-shaping and node:tls-only options,
 * `ws+unix:`, or an `'unexpected-response'` / `'redirect'` listener, which get the real
 * `http.ClientRequest` and `http.IncomingMessage` — and otherwise skipped for the native
 * transport's own request. After the 101 the socket is adopted onto a uws transport, as a
 * server adopts an upgraded socket: a plain TCP socket moves onto the native loop, a TLS socket
 * (or any other Duplex) stays on node:net.
 */
import type { Buffer } from 'node:buffer';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { SocketId } from '@uws/native';
import { HandshakeError, HttpHeaders, type HttpResponseHead, buildDeflateOffer } from '@uws/protocol';
import { type ClientOptions, type ClientState, abortHandshake, acceptUpgrade, emitErrorAndClose, followRedirect } from './client.js';
import { type SocketHub as Hub, hubFor } from '@uws/native';
import { SocketFacade } from './socket-facade.js';
import type { WebSocket } from './websocket.js';

/** The options ws takes over for the request (the user's values are replaced, as in ws). */
const REPLACED = { socketPath: undefined, hostname: undefined, protocol: undefined, protocols: undefined, timeout: undefined, method: 'GET' };

/** ws's default `createConnection` for `ws:` / `ws+unix:`. */
function netConnect(options: Record<string, unknown>): net.Socket {
  options.path = options.socketPath;
  return net.connect(options as unknown as net.NetConnectOpts);
}

/** ws's default `createConnection` for `wss:`. */
function tlsConnect(options: Record<string, unknown>): tls.TLSSocket {
  options.path = undefined;
  if (!options.servername && options.servername !== '') options.servername = net.isIP(options.host as string) ? '' : options.host;
  return tls.connect(options as tls.ConnectionOptions);
}

/** @internal Starts the handshake of `ws` (state `st`) with node:http. */
export function requestWithNodeHttp(ws: WebSocket, st: ClientState, url: URL, userOptions: ClientOptions): void {
  const opts = st.opts;
  const isSecure = url.protocol === 'wss:';
  const isIpc = url.protocol === 'ws+unix:';
  const defaultPort = isSecure ? 443 : 80;
  const headers: Record<string, unknown> = {
    ...(userOptions.headers as Record<string, unknown> | undefined),
    'Sec-WebSocket-Version': opts.protocolVersion,
    'Sec-WebSocket-Key': st.hs.key,
    Connection: 'Upgrade',
    Upgrade: 'websocket',
  };
  if (st.offer !== undefined) headers['Sec-WebSocket-Extensions'] = buildDeflateOffer(st.offer);
  if (st.protocols.length) headers['Sec-WebSocket-Protocol'] = st.protocols.join(',');
  if (opts.origin) headers[opts.protocolVersion! < 13 ? 'Sec-WebSocket-Origin' : 'Origin'] = opts.origin;
  const request: Record<string, unknown> = {
    ...opts,
    ...REPLACED,
    createConnection: opts.createConnection ?? (isSecure ? tlsConnect : netConnect),
    defaultPort: opts.defaultPort ?? defaultPort,
    port: url.port || defaultPort,
    host: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    headers,
    path: url.pathname + url.search,
  };
  if (url.username || url.password) request.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  if (isIpc) {
    const path = request.path as string;
    const i = path.indexOf(':');
    request.socketPath = i === -1 ? path : path.slice(0, i);
    request.path = i === -1 ? '' : path.slice(i + 1);
  }

  const req = (isSecure ? https.request : http.request)(request as http.RequestOptions);
  st.http = req;
  ws._req = req;
  if (st.redirects > 0) ws.emit('redirect', ws.url!, req);

  req.on('error', (error: Error) => {
    if (st.aborted || ws._client !== st) return;
    ws._req = null;
    emitErrorAndClose(ws, error);
  });
  req.on('response', (res: IncomingMessage) => {
    if (st.aborted || ws._client !== st) return;
    const location = res.headers.location;
    const status = res.statusCode!;
    if (location && opts.followRedirects && status >= 300 && status < 400) {
      req.destroy();
      followRedirect(ws, st, location);
      return;
    }
    if (!ws.emit('unexpected-response', req, res)) abortHandshake(ws, `Unexpected server response: ${status}`);
    // Otherwise the request is the listener's, as in ws.
  });
  req.on('upgrade', (res: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (st.aborted || ws._client !== st) return;
    st.upgradeSocket = socket;
    acceptUpgrade(ws, st, res, checked(st, res), () => adoptSocket(socket, head, opts));
  });

  if (typeof opts.finishRequest === 'function') (opts.finishRequest)(req, ws);
  else req.end();
}

/** The handshake's verdict on the 101 node:http parsed: undefined when accepted, else why not. */
function checked(st: ClientState, res: IncomingMessage): HandshakeError | undefined {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
  const head: HttpResponseHead = {
    kind: 'response',
    versionMajor: res.httpVersionMajor,
    versionMinor: res.httpVersionMinor,
    status: res.statusCode!,
    reason: res.statusMessage ?? '',
    headers: new HttpHeaders(pairs),
  };
  try {
    st.hs.receiveResponse(head);
    return undefined;
  } catch (error) {
    if (error instanceof HandshakeError) return error;
    throw error;
  }
}

/** Moves the upgraded socket onto a uws transport (the native loop for a plain TCP socket). */
function adoptSocket(socket: Duplex, head: Buffer, opts: ClientOptions): { hub: Hub; id: SocketId; facade: SocketFacade } {
  const s = socket as net.Socket & { encrypted?: boolean; authorized?: boolean };
  const encrypted = s.encrypted === true;
  const remote = { address: s.remoteAddress, port: s.remotePort, family: s.remoteFamily };
  const choice = opts.transport ?? 'auto';
  let hub: Hub | undefined;
  let id: SocketId | undefined;
  if (typeof choice === 'string' && choice !== 'node' && !encrypted) {
    const native = hubFor(choice);
    const fd = (s as { _handle?: { fd?: number } })._handle?.fd;
    if (native.transport.kind === 'epoll' && typeof fd === 'number' && fd >= 0) {
      try {
        id = native.transport.adopt(s, head);
        hub = native;
      } catch {
        // No file descriptor to take over: node:net serves it.
      }
    }
  }
  if (hub === undefined) {
    hub = typeof choice === 'object' && choice !== null ? hubFor(choice) : hubFor('node');
    id = hub.transport.adopt(s, head);
  }
  const facade = new SocketFacade(hub, id!, encrypted);
  facade.authorized = s.authorized === true;
  if (remote.address !== undefined) {
    facade.remoteAddress = remote.address;
    facade.remotePort = remote.port;
    facade.remoteFamily = remote.family;
  }
  return { hub, id: id!, facade };
}
