/**
 * The client side of `WebSocket`: `new WebSocket(url, protocols?, options?)` connects on the
 * native transport (its TLS for `wss:`; node:net/tls for `ws+unix:`, the socket-shaping options
 * and TLS options only node:tls implements), writes the upgrade request and checks the answer
 * with the protocol's `ClientHandshake`, in ws's field order and wording.
 */
import { Buffer } from 'node:buffer';
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { type ClientRequest, IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { getSystemErrorName } from 'node:util';
import type { SocketId, TlsConnectOptions, TransportChoice } from '@uws/native';
import { ClientHandshake, HandshakeError, type HttpResponseHead, type PerMessageDeflateOptions as NegotiationOptions, isHttpToken } from '@uws/protocol';
import { CLOSED, CLOSING, CONNECTING, DEFAULT_CLOSE_TIMEOUT, DEFAULT_MAX_FRAGMENTS, DEFAULT_MAX_PENDING_AUTO_PONGS, DEFAULT_MAX_PAYLOAD, OPEN, fragmentLimit } from './constants.js';
import { type SocketHub as Hub, hubFor } from '@uws/native';
import { requestWithNodeHttp } from './client-http-request.js';
import { wsRequestFields } from './client-request-fields.js';
import { wsHandshakeMessage } from './errors.js';
import { nativeTlsFor, tlsHandshakeError } from './native-tls-client.js';
import type { PerMessageDeflateOptions } from './server.js';
import { setHeaders } from './upgrade-request.js';
import { SocketFacade, type WebSocket } from './websocket.js';

/** ws 8's `ClientOptions` (the ones that apply here), plus `transport`. */
export interface ClientOptions extends tls.ConnectionOptions {
  protocol?: string;
  followRedirects?: boolean;
  maxRedirects?: number;
  handshakeTimeout?: number;
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  maxPayload?: number;
  origin?: string;
  protocolVersion?: number;
  headers?: Record<string, string | number | readonly string[]>;
  skipUTF8Validation?: boolean;
  autoPong?: boolean;
  /**
   * As in ws 8.23: the most automatic pongs that may wait to be written; a peer that pings
   * past it without reading is terminated (1006). 0: no limit. Default: 60.
   */
  maxPendingAutoPongs?: number;
  allowSynchronousEvents?: boolean;
  closeTimeout?: number;
  auth?: string;
  /** Most frames one received message may have; more fails the connection (1009); 0: no limit. Default: 131 072 (ws: 16 384; see the server option). */
  maxFragments?: number;
  /**
   * As in ws, each of these sends the opening request through node:http/https (`agent` is
   * used for it; `createConnection(options)` gets ws's request options, `port` a string when
   * the URL has one; `finishRequest(req, ws)` must end the request; `lookup` resolves the host).
   * After the 101 a plain TCP socket moves onto the native loop; a TLS socket stays on node:tls.
   */
  agent?: import('node:http').Agent;
  createConnection?: (options: Record<string, unknown>, callback?: () => void) => Duplex;
  finishRequest?: (request: ClientRequest, websocket: WebSocket) => void;
  lookup?: net.LookupFunction;
  localAddress?: string;
  family?: number;
  /**
   * Not in ws: the transport (`'auto'`, `'node'`, `'epoll'`). Default `'auto'`. On epoll a `wss:`
   * connection uses the native TLS client when every TLS option given is one it implements
   * (`ca`, `cert`, `key`, `passphrase`, `rejectUnauthorized`, `servername`, `minVersion`,
   * `ciphers`); any other (`pfx`, `checkServerIdentity`, `session`, …) runs it on node:tls.
   */
  transport?: TransportChoice;
  [key: string]: unknown;
}

/** @internal The client's state while connecting. */
export interface ClientState {
  opts: ClientOptions;
  address: string | URL;
  protocols: string[];
  redirects: number;
  /** The request written on the native transport, and the check of the answer on any path. */
  hs: ClientHandshake;
  offer: NegotiationOptions | undefined;
  hub: Hub | undefined;
  /** The response of an unexpected answer, receiving its body. */
  res: IncomingMessage | undefined;
  timer: NodeJS.Timeout | undefined;
  /** The error a node:net/tls socket reported (errno alone says less). */
  socketError: Error | undefined;
  aborted: boolean;
  host: string;
  port: number;
  req: ClientRequestFacade | undefined;
  /** The request, when the handshake goes through node:http (see client-http-request.ts). */
  http: ClientRequest | undefined;
  /** Its upgraded socket, until it is adopted. */
  upgradeSocket: Duplex | undefined;
}

/**
 * What `'unexpected-response'` and `'redirect'` get as `req` (ws passes its `http.ClientRequest`;
 * the request here is written on the uws transport).
 */
export class ClientRequestFacade extends EventEmitter {
  readonly method = 'GET';
  readonly path: string;
  readonly host: string;
  readonly protocol: string;
  private readonly headers: Record<string, string>;
  /** @internal */ _ws: WebSocket;
  aborted = false;
  constructor(ws: WebSocket, path: string, host: string, protocol: string, headers: Record<string, string>) {
    super();
    this._ws = ws;
    this.path = path;
    this.host = host;
    this.protocol = protocol;
    this.headers = headers;
  }
  getHeader(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }
  /** Drops the connection ('close' follows). */
  abort(): void {
    this.destroy();
  }
  destroy(): this {
    this.aborted = true;
    const st = this._ws._client;
    if (st !== undefined && st.hub !== undefined && this._ws._readyState === CONNECTING) st.hub.transport.destroy(this._ws._id);
    return this;
  }
}

/** @internal ws's initAsClient. */
export function initAsClient(ws: WebSocket, address: string | URL, protocols: string[], options: ClientOptions, redirects = 0): void {
  const opts: ClientOptions = {
    allowSynchronousEvents: true,
    autoPong: true,
    maxPendingAutoPongs: DEFAULT_MAX_PENDING_AUTO_PONGS,
    closeTimeout: DEFAULT_CLOSE_TIMEOUT,
    protocolVersion: 13,
    maxPayload: DEFAULT_MAX_PAYLOAD,
    skipUTF8Validation: false,
    perMessageDeflate: true,
    followRedirects: false,
    maxRedirects: 10,
    ...options,
  };
  ws._closeTimeout = opts.closeTimeout!;
  if (opts.protocolVersion !== 8 && opts.protocolVersion !== 13) {
    throw new RangeError(`Unsupported protocol version: ${opts.protocolVersion} (supported versions: 8, 13)`);
  }
  let parsed: URL;
  if (address instanceof URL) parsed = address;
  else {
    try {
      parsed = new URL(address);
    } catch {
      throw new SyntaxError(`Invalid URL: ${address}`);
    }
  }
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  ws._url = parsed.href;
  const isSecure = parsed.protocol === 'wss:';
  const isIpc = parsed.protocol === 'ws+unix:';
  let invalid: string | undefined;
  if (parsed.protocol !== 'ws:' && !isSecure && !isIpc) {
    invalid = 'The URL\'s protocol must be one of "ws:", "wss:", "http:", "https:", or "ws+unix:"';
  } else if (isIpc && !parsed.pathname) invalid = "The URL's pathname is empty";
  else if (parsed.hash) invalid = 'The URL contains a fragment identifier';
  if (invalid !== undefined) {
    const err = new SyntaxError(invalid);
    if (redirects === 0) throw err;
    ws._client = undefined;
    emitErrorAndClose(ws, err);
    return;
  }

  const protocolSet = new Set<string>();
  for (const protocol of protocols) {
    if (typeof protocol !== 'string' || !isHttpToken(protocol) || protocolSet.has(protocol)) {
      throw new SyntaxError('An invalid or duplicated subprotocol was specified');
    }
    protocolSet.add(protocol);
  }

  let offer: NegotiationOptions | undefined;
  if (opts.perMessageDeflate) {
    const p: PerMessageDeflateOptions = opts.perMessageDeflate === true ? {} : opts.perMessageDeflate;
    offer = {
      serverNoContextTakeover: p.serverNoContextTakeover === true,
      clientNoContextTakeover: p.clientNoContextTakeover === true,
      serverMaxWindowBits: typeof p.serverMaxWindowBits === 'number' ? p.serverMaxWindowBits : undefined,
      // ws offers a bare client_max_window_bits unless told otherwise.
      clientMaxWindowBits: typeof p.clientMaxWindowBits === 'number' ? p.clientMaxWindowBits : p.clientMaxWindowBits === false ? undefined : true,
    };
  }

  const defaultPort = isSecure ? 443 : 80;
  const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const port = parsed.port ? Number(parsed.port) : defaultPort;
  let path = `${parsed.pathname}${parsed.search}`;
  if (isIpc) {
    // ws+unix:<socket path>:<request path>; node:http takes the socket path from the URL itself.
    const parts = path.split(':');
    path = parts.length > 1 ? parts.slice(1).join(':') || '/' : '/';
  }

  // URL credentials win over `auth`, as in ws.
  const auth = parsed.username || parsed.password ? `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}` : opts.auth;
  const version = opts.protocolVersion;
  const { headers, fieldOrder, host } = wsRequestFields(opts.headers ?? {}, {
    protocolVersion: version,
    offer: offer !== undefined,
    protocols: protocolSet.size > 0,
    origin: Boolean(opts.origin),
    host: isIpc ? 'localhost' : parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname,
    auth,
  });
  const hs = new ClientHandshake({
    host,
    path,
    protocols: [...protocolSet],
    perMessageDeflate: offer ?? false,
    origin: opts.origin ? opts.origin : undefined,
    headers,
    version,
    protocolSeparator: ',',
    fieldOrder,
    maxHeaderBytes: 16 * 1024,
    // node:http takes a 101 in HTTP/1.0, and so does ws.
    acceptHttp10: true,
  });
  const headerMap: Record<string, string> = {};
  for (const [name, value] of hs.fields) headerMap[name.toLowerCase()] = value;

  const st: ClientState = {
    opts,
    address: parsed,
    protocols,
    redirects,
    hs,
    offer,
    hub: undefined,
    res: undefined,
    timer: undefined,
    socketError: undefined,
    aborted: false,
    host: hostname,
    port,
    req: undefined,
    http: undefined,
    upgradeSocket: undefined,
  };
  ws._client = st;
  ws._readyState = CONNECTING;

  if (opts.handshakeTimeout) {
    st.timer = setTimeout(() => {
      st.timer = undefined;
      if (ws._client === st && ws._readyState === CONNECTING) abortHandshake(ws, 'Opening handshake has timed out');
    }, opts.handshakeTimeout);
  }

  const choice = opts.transport ?? 'auto';
  let hub: Hub | undefined;
  let tlsOptions: TlsConnectOptions | undefined;
  if (isSecure && choice !== 'node') {
    hub = hubFor(choice);
    // Native TLS where the transport has it and every option given is one it implements.
    tlsOptions = hub.transport.kind === 'epoll' ? nativeTlsFor(opts, hostname) : undefined;
  }
  // The request goes through node:http when it is the user's business (see
  // client-http-request.ts), and is written on the native transport otherwise.
  const needsNodeHttp =
    isIpc ||
    (isSecure && tlsOptions === undefined) ||
    opts.agent !== undefined ||
    opts.createConnection !== undefined ||
    opts.finishRequest !== undefined ||
    opts.lookup !== undefined ||
    opts.localAddress !== undefined ||
    opts.family !== undefined;
  const viaNodeHttp = (): boolean => needsNodeHttp || ws.listenerCount('unexpected-response') > 0 || ws.listenerCount('redirect') > 0;
  const nativeRequest = (): void => {
    st.req = new ClientRequestFacade(ws, path, hostname, isSecure ? 'https:' : 'http:', headerMap);
    ws._req = st.req;
  };
  if (redirects > 0) {
    // Chosen now: the 'redirect' listener gets the new request.
    if (viaNodeHttp()) return requestWithNodeHttp(ws, st, parsed, options);
    nativeRequest();
    connectNative(ws, st, hub ?? hubFor(choice), hostname, port, tlsOptions);
    return;
  }
  if (needsNodeHttp) return requestWithNodeHttp(ws, st, parsed, options);
  nativeRequest();
  // Chosen on the next tick, once the caller attached its listeners (as typical code does right
  // after the constructor): who listens to 'unexpected-response' or 'redirect' gets node:http's
  // real request and response objects.
  const nativeHub = hub ?? hubFor(choice);
  process.nextTick(() => {
    if (ws._client !== st || st.aborted) return;
    if (viaNodeHttp()) requestWithNodeHttp(ws, st, parsed, options);
    else connectNative(ws, st, nativeHub, hostname, port, tlsOptions);
  });
}

/** Connects on the native transport (a host name is resolved first), which then writes `st.request`. */
function connectNative(ws: WebSocket, st: ClientState, hub: Hub, hostname: string, port: number, tlsOptions: TlsConnectOptions | undefined): void {
  const nativeHub = hub;
  const connect = (ip: string): void => {
    if (ws._client !== st || st.aborted) return;
    let id: number;
    try {
      id = tlsOptions === undefined ? nativeHub.transport.connect(ip, port) : nativeHub.transport.connect(ip, port, tlsOptions);
    } catch (error) {
      emitErrorAndClose(ws, error as Error);
      return;
    }
    st.hub = nativeHub;
    ws._id = id;
    nativeHub.entries.set(id, ws);
  };
  if (hub.transport.kind !== 'epoll' || net.isIP(hostname) !== 0 || hostname === 'localhost') connect(hostname);
  else {
    lookup(hostname).then(
      (r) => connect(r.address),
      (error: Error) => {
        if (ws._client === st && !st.aborted) emitErrorAndClose(ws, error);
      },
    );
  }
}

/** @internal ws's abortHandshake: 'error' then 'close' (1006), on the next tick. */
export function abortHandshake(ws: WebSocket, message: string): void {
  ws._readyState = CLOSING;
  const err = new Error(message);
  Error.captureStackTrace(err, abortHandshake);
  const st = ws._client;
  if (st !== undefined) {
    st.aborted = true;
    clearTimer(st);
    // ws aborts its request (and destroys the socket of an upgrade it refuses).
    st.http?.destroy();
    st.upgradeSocket?.destroy();
    if (st.hub !== undefined && ws._conn === undefined) {
      st.hub.entries.delete(ws._id);
      st.hub.transport.destroy(ws._id);
    }
    st.res?.push(null);
  }
  process.nextTick(emitErrorAndClose, ws, err);
}

/** @internal ws's emitErrorAndClose. */
export function emitErrorAndClose(ws: WebSocket, err: Error): void {
  ws._readyState = CLOSING;
  ws._errorEmitted = true;
  ws._client = undefined;
  ws.emit('error', err);
  ws._emitClose();
}

function clearTimer(st: ClientState): void {
  if (st.timer !== undefined) {
    clearTimeout(st.timer);
    st.timer = undefined;
  }
}

/** @internal The TCP (or TLS) connection is up: send the upgrade request. */
export function onClientOpen(ws: WebSocket): void {
  const st = ws._client!;
  for (const chunk of st.hs.dataToSend()) st.hub!.transport.write(ws._id, chunk);
}

/** @internal Bytes during the handshake. */
export function onClientData(ws: WebSocket, data: Uint8Array): void {
  const st = ws._client;
  if (st === undefined) return;
  if (st.res !== undefined) {
    st.res.push(Buffer.from(data));
    return;
  }
  const hs = st.hs;
  if (hs.state !== 'connecting') return;
  let refused: HandshakeError | undefined;
  try {
    if (hs.receiveData(data) === undefined) return;
  } catch (error) {
    if (!(error instanceof HandshakeError)) throw error;
    if (hs.head === undefined) {
      // A malformed or oversized head: node:http's parse error, as ws reports it.
      st.socketError = Object.assign(new Error('Parse Error: Invalid response'), { code: 'HPE_INVALID_CONSTANT' });
      st.hub!.transport.destroy(ws._id);
      return;
    }
    refused = error;
  }
  onResponse(ws, st, hs.head!, Buffer.from(hs.rest), refused);
}

function makeResponse(head: HttpResponseHead, socket: SocketFacade): IncomingMessage {
  const res = new IncomingMessage(socket as unknown as net.Socket);
  res.statusCode = head.status;
  res.statusMessage = head.reason;
  res.httpVersionMajor = head.versionMajor;
  res.httpVersionMinor = head.versionMinor;
  res.httpVersion = `${head.versionMajor}.${head.versionMinor}`;
  setHeaders(res, head.headers.raw);
  return res;
}

/** @internal What node:http would not call an upgrade (not 101, no Connection or Upgrade field): ws's 'unexpected-response'. */
export function isUnexpected(refused: HandshakeError | undefined, head: HttpResponseHead): boolean {
  if (refused === undefined) return false;
  return refused.reason === 'status' || refused.reason === 'connection' || (refused.reason === 'upgrade' && head.headers.get('upgrade') === undefined);
}

function onResponse(ws: WebSocket, st: ClientState, head: HttpResponseHead, rest: Buffer, refused: HandshakeError | undefined): void {
  const hub = st.hub!;
  const facade = new SocketFacade(hub, ws._id, st.address instanceof URL && st.address.protocol === 'wss:');
  const res = makeResponse(head, facade);
  if (isUnexpected(refused, head)) {
    const location = res.headers.location;
    if (st.opts.followRedirects && location && head.status >= 300 && head.status < 400) {
      hub.entries.delete(ws._id);
      hub.transport.destroy(ws._id);
      followRedirect(ws, st, location);
      return;
    }
    st.res = res;
    if (!ws.emit('unexpected-response', st.req as unknown as ClientRequest, res)) {
      abortHandshake(ws, `Unexpected server response: ${head.status}`);
      return;
    }
    if (rest.length > 0) res.push(rest);
    return;
  }
  acceptUpgrade(ws, st, res, refused, () => ({ hub, id: ws._id, facade }), rest);
}

/** @internal A 3xx with `followRedirects`: the handshake starts over at `location` (ws's rules). */
export function followRedirect(ws: WebSocket, st: ClientState, location: string): void {
  if (st.redirects + 1 > st.opts.maxRedirects!) {
    abortHandshake(ws, 'Maximum redirects exceeded');
    return;
  }
  clearTimer(st);
  let next: URL;
  try {
    next = new URL(location, st.address);
  } catch {
    emitErrorAndClose(ws, new SyntaxError(`Invalid URL: ${location}`));
    return;
  }
  const options = { ...st.opts };
  // Credentials do not follow a redirect to another host (ws's rule).
  const from = st.address as URL;
  if (next.host !== from.host || next.protocol !== from.protocol) {
    if (options.headers) {
      const headers = { ...options.headers };
      for (const name of Object.keys(headers)) if (/^(authorization|cookie|host)$/i.test(name)) delete headers[name];
      options.headers = headers;
    }
    delete options.auth;
  }
  initAsClient(ws, next, st.protocols, options, st.redirects + 1);
}

/**
 * @internal A 101 the handshake checked (`refused`: why it was refused): ws's order (`'upgrade'`
 * first) and wording, then the WebSocket opens on the socket `bind()` gives (called only when
 * it was accepted). `rest`: bytes after the head.
 */
export function acceptUpgrade(
  ws: WebSocket,
  st: ClientState,
  res: IncomingMessage,
  refused: HandshakeError | undefined,
  bind: () => { hub: Hub; id: SocketId; facade: SocketFacade; adopted?: boolean },
  rest?: Uint8Array,
): void {
  ws.emit('upgrade', res);
  if (ws._readyState !== CONNECTING) return;
  clearTimer(st);
  // ws wants the whole value to be websocket, where RFC 6455 allows a list: checked first, as ws does.
  const upgrade = res.headers.upgrade;
  if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket') return abortHandshake(ws, 'Invalid Upgrade header');
  if (refused !== undefined) return abortHandshake(ws, wsHandshakeMessage(refused));
  const { protocol, deflate } = st.hs.response!;
  if (protocol) ws._protocol = protocol;
  if (deflate !== undefined) ws._extensions = 'permessage-deflate';

  const pmd = st.opts.perMessageDeflate;
  const p = typeof pmd === 'object' ? pmd : undefined;
  const { hub, id, facade } = bind();
  const adopted = st.http !== undefined;
  ws._client = undefined;
  ws._req = null;
  ws._attach(hub, id, {
    deflate,
    maxPayload: st.opts.maxPayload!,
    skipUTF8Validation: st.opts.skipUTF8Validation!,
    autoPong: st.opts.autoPong!,
    maxPendingAutoPongs: st.opts.maxPendingAutoPongs!,
    allowSynchronousEvents: st.opts.allowSynchronousEvents!,
    threshold: p?.threshold ?? 1024,
    level: p?.zlibDeflateOptions?.level,
    memLevel: p?.zlibDeflateOptions?.memLevel,
    maxFragments: fragmentLimit(st.opts.maxFragments ?? DEFAULT_MAX_FRAGMENTS),
  }, facade, adopted);
  ws._readyState = OPEN;
  ws.emit('open');
  // Also after a close() from an 'open' listener: data before the server's close is delivered.
  if (rest !== undefined && rest.length > 0 && ws._readyState !== CLOSED) ws._onData(rest);
}

/** @internal The socket closed before the handshake completed. */
export function onClientClose(ws: WebSocket, errno: number): void {
  const st = ws._client;
  if (st === undefined) return;
  clearTimer(st);
  if (st.res !== undefined) {
    st.res.push(null);
    ws._client = undefined;
    ws._readyState = CLOSING;
    ws._emitClose();
    return;
  }
  if (st.aborted) return;
  let error = st.socketError;
  const tlsInfo = error === undefined && st.hub !== undefined ? st.hub.transport.tlsInfo?.(ws._id) : undefined;
  if (tlsInfo !== undefined && tlsInfo.error !== '') error = tlsHandshakeError(tlsInfo, st.host);
  if (error === undefined) {
    if (errno !== 0) {
      const name = errorName(errno);
      const target = st.address instanceof URL && st.address.protocol === 'ws+unix:' ? st.address.pathname : `${st.host}:${st.port}`;
      error = Object.assign(new Error(`connect ${name} ${target}`), { code: name, errno: -Math.abs(errno), syscall: 'connect', address: st.host, port: st.port });
    } else {
      error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
  }
  emitErrorAndClose(ws, error);
}

function errorName(errno: number): string {
  try {
    return getSystemErrorName(-Math.abs(errno));
  } catch {
    return `E${errno}`;
  }
}

