/**
 * A socket in its HTTP phase: request heads are parsed (bounded, with a handshake timeout
 * against slow-loris peers), routed to HTTP handlers or a WebSocket route, and an accepted
 * upgrade hands the socket over to an `AppWebSocket`. Keep-alive and pipelining work; request
 * bodies need `Content-Length` (chunked bodies get 501).
 */
import { Buffer } from 'node:buffer';
import {
  HandshakeError,
  HttpHeadParser,
  type HttpRequestHead,
  ServerHandshake,
  buildRejectResponse,
  headerListHasToken,
  rejectionFor,
  splitHeaderList,
} from '@uws/protocol';
import type { SocketId } from '../transport/transport.js';
import type { AppCore, SocketEntry } from './app-core.js';
import { ClosedSocketError } from './closed-socket-error.js';
import { rethrowOnNextTick } from '../rethrow-on-next-tick.js';
import { compactId } from '../transport/socket-table.js';
import { HttpRequestImpl } from './http-request.js';
import { HttpResponseImpl, type ResponseSink } from './http-response.js';
import type { RouteMatch } from './router.js';
import { AppWebSocket, DEFAULT_USER_DATA } from './websocket.js';
import { type ResolvedBehavior, behaviorForContext } from './websocket-behavior.js';

// States of the connection.
const HEAD = 0; // reading a request head
const BODY = 1; // reading (or skipping) a request body
const WAITING = 2; // request read, response (or upgrade) pending: later bytes are queued
const UPGRADED = 3; // a WebSocket owns the socket
const CLOSED = 4;

/** Queued bytes (pipelined while a response is pending) past which reading pauses. */
const QUEUE_PAUSE_BYTES = 64 * 1024;
const EMPTY = new Uint8Array(0);
/** The empty queue every connection starts with: most never queue anything. */
const NO_QUEUE = Object.freeze([]) as unknown as Uint8Array[];
const CONTENT_LENGTH = /^[0-9]{1,15}$/;

export class HttpConnection implements SocketEntry, ResponseSink {
  private readonly core: AppCore;
  readonly id: SocketId;
  private state = HEAD;
  /** Made when the request's first bytes arrive (a connection that sends nothing holds none). */
  private parser: HttpHeadParser<'request'> | undefined = undefined;
  /** The current request's response. */
  private res: HttpResponseImpl | undefined;
  /** The ws route of a pending upgrade. */
  private upgradeBehavior: ResolvedBehavior | undefined;
  /** The opening handshake of a pending upgrade (validated, waiting for `res.upgrade()`). */
  private handshake: ServerHandshake | undefined;
  private bodyRemaining = 0;
  /** Bytes that came while a response was pending; {@link NO_QUEUE} (shared, empty) when none. */
  private queue: Uint8Array[] = NO_QUEUE;
  private queuedBytes = 0;
  private paused = false;
  private ws: AppWebSocket | undefined;

  /** Made with the socket's first bytes; the App armed the handshake timeout at accept. */
  constructor(core: AppCore, id: SocketId) {
    this.core = core;
    this.id = compactId(id);
  }

  // ---- SocketEntry --------------------------------------------------------------------

  onData(data: Uint8Array): void {
    if (this.queue.length > 0) {
      this.enqueue(data);
      this.drainQueue();
      return;
    }
    const rest = this.consume(data);
    if (rest !== undefined) this.enqueue(rest);
  }

  onDrain(): void {}

  onTimeout(): void {
    // A head (or the next keep-alive request) took too long: a slow-loris peer, or an idle one.
    this.state = CLOSED;
    this.core.transport.destroy(this.id);
  }

  onSocketClose(): void {
    this.state = CLOSED;
    this.res?.abort();
  }

  forceClose(): void {
    this.state = CLOSED;
    this.res?.abort();
  }

  beginShutdown(): void {
    // Between requests: nothing is owed, close now. Otherwise after the response (respond()).
    if (this.state === HEAD) this.closeConnection();
  }

  // ---- ResponseSink -------------------------------------------------------------------

  respond(res: HttpResponseImpl, head: string, body: Uint8Array, close: boolean): void {
    if (res !== this.res || this.state === CLOSED || this.state === UPGRADED) return;
    const transport = this.core.transport;
    transport.write(this.id, Buffer.from(head, 'latin1'));
    if (body.length > 0) transport.write(this.id, body);
    if (close || this.core.shuttingDown !== undefined) this.closeConnection();
    else if (this.state === WAITING) this.nextRequest();
    // In BODY the rest of the body is still skipped before the next request.
  }

  upgrade(
    res: HttpResponseImpl,
    userData: unknown,
    key: string,
    protocol: string,
    extensions: string,
    context: unknown,
    headers: ReadonlyArray<readonly [string, string]>,
  ): void {
    if (res !== this.res || this.state !== WAITING) throw new ClosedSocketError('HttpResponse cannot upgrade: its connection is no longer waiting for it');
    const behavior = behaviorForContext(context) ?? this.upgradeBehavior;
    if (behavior === undefined) throw new TypeError('upgrade() needs the context its ws route handed to the upgrade handler');
    // A route may upgrade a plain HTTP request too: its handshake starts here then.
    const handshake = this.handshake ?? new ServerHandshake();
    if (behavior.deflate !== undefined && extensions !== '') {
      try {
        handshake.negotiateDeflate(extensions, { options: behavior.deflate.negotiation });
      } catch (error) {
        if (!(error instanceof HandshakeError)) throw error;
        res.done = true;
        handshake.rejectWith(error);
        this.sendHandshake(handshake);
        return;
      }
    }
    // Throws TypeError on a bad subprotocol or header: the response stays usable then.
    const { deflate } = handshake.accept({ key, protocol: protocol === '' ? null : (splitHeaderList(protocol)[0] ?? null), headers });
    res.done = true;
    this.state = UPGRADED;
    this.res = undefined;
    this.parser = undefined;
    this.upgradeBehavior = undefined;
    this.handshake = undefined;
    const transport = this.core.transport;
    this.sendHandshake(handshake);
    const ws = new AppWebSocket(this.core.wsRoute(behavior), this.id, userData, deflate);
    this.ws = ws;
    this.core.entries.set(ws.id, ws);
    ws.start();
    // Bytes that came while an asynchronous upgrade was pending.
    const queued = this.queue;
    this.queue = NO_QUEUE;
    this.queuedBytes = 0;
    for (const chunk of queued) ws.onData(chunk);
    if (this.paused) {
      this.paused = false;
      transport.resume(this.id);
    }
  }

  destroy(res: HttpResponseImpl): void {
    if (res !== this.res || this.state === CLOSED) return;
    this.state = CLOSED;
    this.core.transport.destroy(this.id);
    res.abort();
  }

  remoteAddress(): string {
    return this.core.transport.remoteAddress(this.id);
  }

  // ---- parsing ----------------------------------------------------------------------------

  /** Consumes `data`; returns what must wait (a response is pending), if anything. */
  private consume(data: Uint8Array): Uint8Array | undefined {
    let offset = 0;
    while (offset < data.length) {
      switch (this.state) {
        case HEAD: {
          let result;
          try {
            result = (this.parser ??= this.newParser()).push(offset === 0 ? data : data.subarray(offset));
          } catch (error) {
            if (!(error instanceof HandshakeError)) throw error;
            this.reject(rejectionFor(error)); // 400, or 431 for a head past the limits
            return undefined;
          }
          if (result === undefined) return undefined;
          offset += result.bodyOffset;
          this.onHead(result.head);
          break;
        }
        case BODY: {
          const n = Math.min(this.bodyRemaining, data.length - offset);
          this.bodyRemaining -= n;
          this.deliverBody(data.subarray(offset, offset + n), this.bodyRemaining === 0);
          offset += n;
          if (this.bodyRemaining === 0) this.requestComplete();
          break;
        }
        case WAITING:
          return data.subarray(offset);
        case UPGRADED:
          this.ws!.onData(data.subarray(offset));
          return undefined;
        default:
          return undefined;
      }
    }
    return undefined;
  }

  private onHead(head: HttpRequestHead): void {
    this.core.transport.setTimeout(this.id, 0);
    const target = head.target;
    if (!target.startsWith('/')) return this.reject(buildRejectResponse(400, 'The request target must be a path'));
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const query = q < 0 ? '' : target.slice(q + 1);
    const headers = head.headers;
    if (headers.has('transfer-encoding')) return this.reject(buildRejectResponse(501, 'Chunked request bodies are not supported'));
    const lengths = headers.getAll('content-length');
    let length = 0;
    if (lengths.length > 0) {
      if (!lengths.every((v) => v === lengths[0]) || !CONTENT_LENGTH.test(lengths[0])) {
        return this.reject(buildRejectResponse(400, 'Invalid Content-Length'));
      }
      length = Number(lengths[0]);
    }
    this.bodyRemaining = length;
    this.state = length > 0 ? BODY : WAITING;

    if (head.method === 'GET' && headerListHasToken(headers.get('upgrade'), 'websocket')) {
      const match = this.core.wsRoutes.first('get', path);
      if (match !== undefined) return this.handleUpgrade(head, path, query, match);
    }
    const keepAlive = (head.versionMajor > 1 || head.versionMinor >= 1) && !headerListHasToken(headers.get('connection'), 'close');
    this.handleHttp(head, path, query, keepAlive);
    const res = this.res;
    // A body-less request still ends the body stream an onData handler waits for.
    if (length === 0 && res !== undefined && !res.done && !res.aborted && res.dataHandler !== undefined) {
      this.callDataHandler(res, EMPTY, true);
    }
  }

  private handleHttp(head: HttpRequestHead, path: string, query: string, keepAlive: boolean): void {
    const res = new HttpResponseImpl(this, keepAlive, head.method === 'HEAD');
    this.res = res;
    for (const match of this.core.httpRoutes.match(head.method, path)) {
      const req = new HttpRequestImpl(head, path, query, match.params, match.paramNames);
      try {
        match.handler(res, req);
      } catch (error) {
        rethrowOnNextTick(error);
        if (!res.done && !res.aborted) this.fail(res);
        return;
      } finally {
        req.invalidate();
      }
      if (!req.yielded || res.done) return;
    }
    if (this.state === CLOSED) return;
    // No HTTP route took it: a ws route's path wants an upgrade, anything else is unknown.
    const wsRoute = this.core.wsRoutes.first('get', path) !== undefined;
    res.done = true;
    this.reject(buildRejectResponse(wsRoute ? 426 : 404));
  }

  private handleUpgrade(head: HttpRequestHead, path: string, query: string, match: RouteMatch<ResolvedBehavior>): void {
    const handshake = ServerHandshake.forRequest(head);
    const validated = handshake.validate();
    if (validated === undefined) return this.sendHandshake(handshake); // 400, or 426 for another WebSocket version
    const behavior = match.handler;
    // A refused upgrade closes the connection: the client will not reuse it.
    const res = new HttpResponseImpl(this, false, false);
    this.res = res;
    this.upgradeBehavior = behavior;
    this.handshake = handshake;
    this.state = WAITING;
    const req = new HttpRequestImpl(head, path, query, match.params, match.paramNames);
    try {
      const upgrade = behavior.handlers.upgrade;
      if (upgrade !== undefined) upgrade(res, req, behavior.context);
      else {
        res.upgrade(
          DEFAULT_USER_DATA,
          validated.key,
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          behavior.context,
        );
      }
    } catch (error) {
      rethrowOnNextTick(error);
      if (!res.done && !res.aborted) this.fail(res);
    } finally {
      req.invalidate();
    }
  }

  private deliverBody(chunk: Uint8Array, isLast: boolean): void {
    const res = this.res;
    if (res !== undefined && !res.done && !res.aborted && res.dataHandler !== undefined) this.callDataHandler(res, chunk, isLast);
  }

  private callDataHandler(res: HttpResponseImpl, chunk: Uint8Array, isLast: boolean): void {
    try {
      res.dataHandler!(chunk, isLast);
    } catch (error) {
      rethrowOnNextTick(error);
      if (!res.done && !res.aborted) this.fail(res);
    }
  }

  /** The request (head and body) is read. */
  private requestComplete(): void {
    if (this.state === CLOSED) return;
    if (this.res === undefined || this.res.done) this.nextRequest();
    else this.state = WAITING;
  }

  private nextRequest(): void {
    this.res = undefined;
    this.upgradeBehavior = undefined;
    this.handshake = undefined;
    this.parser = undefined;
    this.state = HEAD;
    this.core.transport.setTimeout(this.id, this.core.limits.handshakeTimeout);
    // Pipelined bytes wait for a fresh stack: this may run inside a user's res.end().
    if (this.queue.length > 0) queueMicrotask(() => this.drainQueue());
  }

  private drainQueue(): void {
    while (this.queue.length > 0 && this.state !== WAITING) {
      if (this.state === CLOSED || this.state === UPGRADED) {
        // UPGRADED forwards queued bytes itself in upgrade().
        if (this.state === CLOSED) {
          this.queue = NO_QUEUE;
          this.queuedBytes = 0;
        }
        break;
      }
      const chunk = this.queue[0];
      const rest = this.consume(chunk);
      this.queuedBytes -= chunk.length - (rest?.length ?? 0);
      if (rest !== undefined) this.queue[0] = rest;
      else this.queue.shift();
    }
    if (this.paused && this.queuedBytes < QUEUE_PAUSE_BYTES && this.state !== CLOSED) {
      this.paused = false;
      this.core.transport.resume(this.id);
    }
  }

  private enqueue(view: Uint8Array): void {
    // Copied: the view points into a receive buffer that is only valid during this event.
    const copy = Uint8Array.prototype.slice.call(view);
    if (this.queue === NO_QUEUE) this.queue = [];
    this.queue.push(copy);
    this.queuedBytes += copy.length;
    if (!this.paused && this.queuedBytes >= QUEUE_PAUSE_BYTES) {
      this.paused = true;
      this.core.transport.pause(this.id);
    }
  }

  /** A handler threw before answering: 500, then close. */
  private fail(res: HttpResponseImpl): void {
    res.done = true;
    this.reject(buildRejectResponse(500));
  }

  /** Answers with a complete rejection response (it says `Connection: close`) and closes. */
  private reject(response: string): void {
    if (this.state === CLOSED || this.state === UPGRADED) return;
    this.core.transport.write(this.id, Buffer.from(response, 'utf8'));
    this.closeConnection();
  }

  /**
   * Writes what a decided handshake queued: the 101 (the WebSocket takes over), or a rejection
   * (it says `Connection: close`), after which the connection closes.
   */
  private sendHandshake(handshake: ServerHandshake): void {
    if (this.state === CLOSED) return;
    for (const chunk of handshake.dataToSend()) this.core.transport.write(this.id, chunk);
    if (handshake.state === 'rejected') this.closeConnection();
  }

  private closeConnection(): void {
    this.state = CLOSED;
    this.queue = NO_QUEUE;
    this.queuedBytes = 0;
    this.core.transport.end(this.id);
  }

  private newParser(): HttpHeadParser<'request'> {
    const { maxHeaderBytes, maxHeaderCount } = this.core.limits;
    return new HttpHeadParser('request', { maxHeaderBytes, maxHeaderCount });
  }
}
