/**
 * A socket accepted by a `port` server, in its HTTP phase: the request head is read with
 * @uws/protocol's parser (bounded, with a timeout against slow peers), an upgrade request goes
 * through the server's ws handshake, and anything else is answered like ws's internal HTTP
 * server does (426 Upgrade Required).
 */
import { Buffer } from 'node:buffer';
import type { SocketId } from '@uws/native';
import { type HttpRequestHead, ServerHandshake, headerListHasToken } from '@uws/protocol';
import type { HubEntry, SocketHub as Hub } from '@uws/native';
import type { WebSocketServer } from './server.js';
import { type UpgradeSocket, abortResponse } from './upgrade-socket.js';
import { makeRequest } from './upgrade-request.js';
import { type AttachParams, SocketFacade, type WebSocket } from './websocket.js';

/** Node's default limit for a request head (`--max-http-header-size`): more is a 431. */
const MAX_HEADER_BYTES = 16 * 1024;
/** Default of the server's `handshakeTimeout` (ms): Node's `headersTimeout`. */
const HEAD_TIMEOUT_MS = 60_000;

/** The empty queue every connection starts with (shared: nothing is ever pushed to it). */
const NO_QUEUE: Buffer[] = Object.freeze([]) as unknown as Buffer[];

const HEAD = 0;
const PENDING = 1; // verifyClient is deciding: later bytes are kept
const UPGRADED = 2;
const CLOSED = 3;

export class HttpUpgradeEntry implements HubEntry, UpgradeSocket {
  private readonly server: WebSocketServer;
  private readonly hub: Hub;
  private readonly id: SocketId;
  private state = HEAD;
  /** Reads the head; made with the first bytes (a connection that sends nothing holds none). */
  private handshake: ServerHandshake | undefined = undefined;
  /** Bytes kept while verifyClient decides, or after the head; {@link NO_QUEUE} when none. */
  private queue: Buffer[] = NO_QUEUE;
  private ws: WebSocket | undefined;
  /** Made when someone reads `req.socket` (or `userSocket`) before the upgrade completes. */
  private facade: SocketFacade | undefined = undefined;

  constructor(server: WebSocketServer, hub: Hub, id: SocketId) {
    this.server = server;
    this.hub = hub;
    this.id = id;
    hub.transport.setTimeout(id, Math.max(1, Math.ceil((server.options.handshakeTimeout ?? HEAD_TIMEOUT_MS) / 1000)));
  }

  // ---- HubEntry ---------------------------------------------------------------------------------

  _onOpen(): void {}

  _onData(data: Uint8Array): void {
    if (this.state === PENDING) {
      this.enqueue(Buffer.from(data));
      return;
    }
    if (this.state !== HEAD) return;
    const handshake = (this.handshake ??= new ServerHandshake({ maxHeaderBytes: MAX_HEADER_BYTES }));
    const head = handshake.receiveData(data);
    if (head === undefined) {
      // A malformed or oversized head: ws's HTTP server answers in its own words (abortResponse).
      if (handshake.state === 'rejected') this.abort(handshake.error?.status === 431 ? 431 : 400);
      return;
    }
    this.hub.transport.setTimeout(this.id, 0);
    this.onHead(handshake, head);
  }

  _onDrain(): void {}

  _onTimeout(): void {
    this.destroy();
  }

  _onClose(): void {
    const wasUpgraded = this.state === UPGRADED;
    this.state = CLOSED;
    if (!wasUpgraded) this.server._socketGone();
  }

  // ---- UpgradeSocket ------------------------------------------------------------------------------

  /**
   * The socket-like object of this connection (`req.socket`, and `ws._socket` once upgraded:
   * the same object), made on first read so a connection nobody asks about holds none.
   */
  get userSocket(): SocketFacade {
    if (this.ws !== undefined) return this.ws._socket!;
    return (this.facade ??= new SocketFacade(this.hub, this.id));
  }

  alive(): boolean {
    return this.state === HEAD || this.state === PENDING;
  }

  handled(): boolean {
    return this.state === UPGRADED;
  }

  abort(code: number, message?: string, headers?: Record<string, string | number>): void {
    if (this.state === CLOSED || this.state === UPGRADED) return;
    this.state = CLOSED;
    this.hub.transport.write(this.id, Buffer.from(abortResponse(code, message, headers), 'utf8'));
    this.hub.transport.end(this.id);
  }

  destroy(): void {
    if (this.state === UPGRADED) return;
    this.state = CLOSED;
    this.hub.transport.destroy(this.id);
  }

  accept(response: Uint8Array, ws: WebSocket, params: AttachParams): void {
    this.state = UPGRADED;
    this.ws = ws;
    ws._countedBy = this.server;
    ws._attach(this.hub, this.id, params, this.facade, false, [response]);
    this.facade = undefined;
  }

  // ---- internals ----------------------------------------------------------------------------------

  private onHead(handshake: ServerHandshake, head: HttpRequestHead): void {
    this.handshake = undefined;
    const rest = handshake.rest;
    const headers = head.headers;
    // Node's HTTP server emits 'upgrade' for a request with Upgrade and Connection: upgrade.
    if (!headers.has('upgrade') || !headerListHasToken(headers.get('connection'), 'upgrade')) {
      this.state = CLOSED;
      handshake.reject(426);
      for (const chunk of handshake.dataToSend()) this.hub.transport.write(this.id, chunk);
      this.hub.transport.end(this.id);
      return;
    }
    const req = makeRequest(head.method, head.target, head.versionMajor, head.versionMinor, headers, this);
    this.state = PENDING;
    // Bytes after the head (a client that sends frames right away) wait for the WebSocket.
    if (rest.length > 0) this.enqueue(Buffer.from(rest));
    this.server._handleUpgrade(req, this, (ws, request) => {
      this.server.emit('connection', ws, request);
      this.flushQueue();
    });
    if (this.state === PENDING) return; // verifyClient is asynchronous
    if (this.state !== UPGRADED) this.queue = NO_QUEUE;
  }

  private enqueue(chunk: Buffer): void {
    if (this.queue === NO_QUEUE) this.queue = [];
    this.queue.push(chunk);
  }

  private flushQueue(): void {
    const ws = this.ws;
    const queued = this.queue;
    this.queue = NO_QUEUE;
    if (ws === undefined) return;
    for (const chunk of queued) ws._onData(chunk);
  }
}
