/**
 * A server-side WebSocket of the App API (uWebSockets.js shape), driving one `Connection` of
 * the codec over one transport socket.
 *
 * Longer than our ~600-line guide: the uWebSockets.js API's members, documented one by one, and
 * the transport and codec callbacks that share the socket's packed state with them. The policies
 * live apart: idle-timeout.ts, backpressure.ts, lifetime.ts, topic-publish.ts.
 */
import { Buffer } from 'node:buffer';
import {
  Connection,
  type ConnectionHandler,
  type DeflateParams,
  type ProtocolError,
} from '@uws/protocol';
import type { SocketId, TransportBatch } from '../transport/transport.js';
import type { AppCore, SocketEntry } from './app-core.js';
import { overBackpressureLimit, pongMustWait } from './backpressure.js';
import { ClosedSocketError } from './closed-socket-error.js';
import { compactId } from '../transport/socket-table.js';
import { Lifetime } from './lifetime.js';
import { rethrowOnNextTick } from '../rethrow-on-next-tick.js';
import { idlePingDue, idleTimerAfterPing, idleTimerDelay } from './idle-timeout.js';
import { addressBytes } from './ip-address.js';
import { type RecognizedString, textArrayBuffer, toBytes, toText } from './recognized-string.js';
import { BACKPRESSURE, DROPPED, SUCCESS, type SendStatus } from './send-status.js';
import { publishToTopic } from './topic-publish.js';
import type { ResolvedBehavior } from './websocket-behavior.js';
import { Publication } from './publication.js';

/** A WebSocket connection, valid from its open handler to the end of its close handler. */
export interface WebSocket<UserData = unknown> {
  /**
   * Sends a message: text unless `isBinary`, compressed when `compress` and permessage-deflate
   * was negotiated. Returns `SUCCESS` (1), `BACKPRESSURE` (0: queued, wait for `drain`), or
   * `DROPPED` (2: not sent, backpressure is past `maxBackpressure`).
   */
  send(message: RecognizedString, isBinary?: boolean, compress?: boolean): SendStatus;
  /** Bytes queued but not yet handed to the kernel. */
  getBufferedAmount(): number;
  /**
   * Starts the close handshake with `code` (default 1000) and a reason of at most 123 bytes;
   * the close handler runs at once. Throws a RangeError on an invalid code or reason.
   */
  end(code?: number, shortMessage?: RecognizedString): void;
  /** Drops the connection without a close frame; the close handler runs at once (code 1006). */
  close(): void;
  /** Sends a ping (payload ≤ 125 bytes). */
  ping(message?: RecognizedString): SendStatus;
  /** Subscribes to a topic. Returns false when already subscribed. */
  subscribe(topic: RecognizedString): boolean;
  /** Unsubscribes from a topic. Returns false when not subscribed. */
  unsubscribe(topic: RecognizedString): boolean;
  isSubscribed(topic: RecognizedString): boolean;
  getTopics(): string[];
  /**
   * Publishes to every subscriber of `topic` except this WebSocket. Returns true when at least
   * one subscriber was sent the message.
   */
  publish(topic: RecognizedString, message: RecognizedString, isBinary?: boolean, compress?: boolean): boolean;
  /** Runs `cb` with sends batched into one write (every send is already batched until the current tick ends). */
  cork(cb: () => void): WebSocket<UserData>;
  /** Remote IP as 4 or 16 bytes (empty for a Unix socket). */
  getRemoteAddress(): ArrayBuffer;
  /** Remote IP as text, in an ArrayBuffer (as uWS; `Buffer.from(ab).toString()` reads it). */
  getRemoteAddressAsText(): ArrayBuffer;
  getRemotePort(): number;
  /** The user data given to `res.upgrade` (still readable after close). */
  getUserData(): UserData;
}

/**
 * User data of a WebSocket accepted without an `upgrade` handler: an empty object, created
 * only when `getUserData()` first asks (most such sockets never do: an idle one costs less).
 */
export const DEFAULT_USER_DATA: unknown = Object.freeze({});

const EMPTY = new Uint8Array(0);
// Send options shared by every send (no object per message).
const COMPRESSED = Object.freeze({ compress: true });
const UNCOMPRESSED = Object.freeze({ compress: false });
/** After `end()`, the peer has this long to answer our close frame before we drop it. */
const CLOSE_HANDSHAKE_TIMEOUT = 4;
const MAX_LIFETIME_CODE = 1001;

/** What every WebSocket of one route on one App shares. */
export interface WsRoute {
  readonly core: AppCore;
  readonly behavior: ResolvedBehavior;
}

/**
 * State few WebSockets have: kept out of the WebSocket object until needed. Once made, it
 * takes the codec field's place and holds the codec itself (one field less on every socket).
 */
class RareState {
  topics: Set<string> | undefined = undefined;
  lifetime: Lifetime | undefined = undefined;
  /** The payload of the latest ping not answered yet because our sends were backpressured. */
  owedPong: Uint8Array | undefined = undefined;
  constructor(public codec: Connection | DeflateParams | undefined) {}
}

// Life stages: open, then closed for the user (handler ran or running), then released.
const OPEN = 0;
const CLOSING = 1; // close handler running: readers still work
const CLOSED = 2;
/** Bits of a socket's state above the stage (bits 0-1). */
const STAGE_MASK = 3;
const PING_SENT = 4;
/** Every value the state bits can take. */
const STATE_COUNT = 8;

/**
 * A route together with one value of a socket's state bits (stage and {@link PING_SENT}). A
 * WebSocket points at the one for its state, so the state costs it no field of its own:
 * changing state is moving to a sibling, all made with the route.
 */
class RouteState implements WsRoute {
  constructor(
    readonly core: AppCore,
    readonly behavior: ResolvedBehavior,
    readonly bits: number,
    /** The route's states, indexed by bits (shared by all of them). */
    readonly states: readonly RouteState[],
  ) {}
}

/** The route of `behavior` on `core`, for {@link AppWebSocket}: made once per route by the App. */
export function createWsRoute(core: AppCore, behavior: ResolvedBehavior): WsRoute {
  const states: RouteState[] = [];
  for (let bits = 0; bits < STATE_COUNT; bits++) states.push(new RouteState(core, behavior, bits, states));
  return states[OPEN];
}

export class AppWebSocket<UserData = unknown> implements WebSocket<UserData>, SocketEntry, ConnectionHandler {
  // Few fields, packed: an idle connection is this object (4 fields) and a slot in the App's
  // table. Fewer fields also mean fewer bytes surviving V8's scavenges while thousands of
  // connections open, which is what makes the young generation grow.
  /**
   * The App, the route's behavior and this socket's state bits: one of the route's
   * {@link RouteState}s, shared by every WebSocket of the route in that state.
   */
  private route: RouteState;
  readonly id: SocketId;
  /** {@link DEFAULT_USER_DATA} until `getUserData` first asks for it. */
  private userData: UserData;
  /**
   * The codec once something is received or sent; until then the permessage-deflate parameters
   * it will be made with (an idle connection holds no codec). Once a socket subscribes or has a
   * `maxLifetime` timer, a {@link RareState} that holds the codec in turn.
   */
  private codec: Connection | DeflateParams | RareState | undefined;

  constructor(route: WsRoute, id: SocketId, userData: UserData, deflate: DeflateParams | undefined) {
    if (!(route instanceof RouteState)) throw new TypeError('AppWebSocket needs a route made by createWsRoute');
    this.route = route.states[OPEN]!;
    this.id = compactId(id);
    this.userData = userData;
    this.codec = deflate;
  }

  private get core(): AppCore {
    return this.route.core;
  }
  private get behavior(): ResolvedBehavior {
    return this.route.behavior;
  }

  /** Subscribed topics and the `maxLifetime` timer, undefined until the first of them. */
  private get rare(): RareState | undefined {
    const codec = this.codec;
    return codec instanceof RareState ? codec : undefined;
  }

  /** The rare state, made (around the codec field's value) when first needed. */
  private rareState(): RareState {
    const codec = this.codec;
    if (codec instanceof RareState) return codec;
    const rare = new RareState(codec);
    this.codec = rare;
    return rare;
  }

  /** Subscribed topics (the topic registry keeps it in step), undefined before the first. */
  get topics(): Set<string> | undefined {
    return this.rare?.topics;
  }
  set topics(topics: Set<string> | undefined) {
    this.rareState().topics = topics;
  }

  /** The `maxLifetime` timer, only on routes that have one. */
  private get lifetime(): Lifetime | undefined {
    return this.rare?.lifetime;
  }
  private set lifetime(lifetime: Lifetime | undefined) {
    this.rareState().lifetime = lifetime;
  }

  /** Moves to the route state with these bits. */
  private setBits(bits: number): void {
    this.route = this.route.states[bits]!;
  }

  private get stage(): number {
    return this.route.bits & STAGE_MASK;
  }
  private set stage(stage: number) {
    this.setBits((this.route.bits & ~STAGE_MASK) | stage);
  }
  private get pingSent(): boolean {
    return (this.route.bits & PING_SENT) !== 0;
  }
  private set pingSent(sent: boolean) {
    const bits = this.route.bits;
    this.setBits(sent ? bits | PING_SENT : bits & ~PING_SENT);
  }

  /** The codec, made on first use. */
  private get conn(): Connection {
    const codec = this.codec;
    if (codec instanceof Connection) return codec;
    if (!(codec instanceof RareState)) return this.createCodec(codec);
    const held = codec.codec;
    return held instanceof Connection ? held : this.createCodec(held);
  }

  private createCodec(deflate: DeflateParams | undefined): Connection {
    const behavior = this.behavior;
    const conn = new Connection({
      role: 'server',
      deflate,
      maxPayloadLength: behavior.maxPayloadLength,
      maxMessageLength: behavior.maxPayloadLength,
      compressionLevel: behavior.compressionLevel,
      compressionMemLevel: behavior.deflate?.memLevel,
      handler: this,
      // Large payloads are unmasked by the transport's native XOR, when it has one.
      unmask: this.core.transport.unmask,
      // Pongs are ours to send (onPing): a peer that pings without reading gets one pong, for
      // its latest ping, once our backlog drained, not one per ping queued without bound.
      autoPong: false,
      // Messages are valid only during the message handler (as in uWS): large ones are
      // assembled in reused buffers.
      reuseMessageBuffers: true,
    });
    const codec = this.codec;
    if (codec instanceof RareState) codec.codec = conn;
    else this.codec = conn;
    return conn;
  }

  /** Starts the connection: timers, then the open handler. */
  start(): void {
    this.armIdle();
    if (this.behavior.maxLifetime > 0) this.core.lifetimes.arm((this.lifetime = new Lifetime(this)), this.behavior.maxLifetime);
    const open = this.behavior.handlers.open;
    if (open !== undefined) this.call(() => open(this));
    // Upgraded while the app shuts down: it gets the same close as the others.
    const shutdown = this.core.shuttingDown;
    if (shutdown !== undefined && this.stage === OPEN) this.beginShutdown(shutdown.code, shutdown.reason);
  }

  // ---- public API ---------------------------------------------------------------------

  send(message: RecognizedString, isBinary = false, compress = false): SendStatus {
    this.assertOpen();
    return this.sendMessage(message, isBinary, compress);
  }

  getBufferedAmount(): number {
    this.assertReadable();
    return this.core.transport.bufferedAmount(this.id);
  }

  end(code = 1000, shortMessage?: RecognizedString): void {
    this.assertOpen();
    const reason = shortMessage === undefined ? '' : toText(shortMessage);
    // Validates code and reason before anything changes (throws RangeError).
    this.write(this.conn.close(code, reason));
    if (this.conn.shouldCloseTransport) this.core.transport.end(this.id);
    else this.armCloseTimer();
    this.closeForUser(code, reason === '' ? EMPTY : Buffer.from(reason, 'utf8'));
  }

  close(): void {
    this.assertOpen();
    // Handler first: the socket's address is still readable from it.
    this.closeForUser(1006, EMPTY);
    this.core.transport.destroy(this.id);
  }

  ping(message?: RecognizedString): SendStatus {
    this.assertOpen();
    if (this.overLimit()) return this.drop(message ?? EMPTY, true);
    return this.write(this.conn.ping(message === undefined ? EMPTY : toBytes(message)));
  }

  subscribe(topic: RecognizedString): boolean {
    this.assertOpen();
    const name = toText(topic);
    const before = this.core.topics.subscribe(this, name);
    if (before < 0) return false;
    this.notifySubscription(name, before + 1, before);
    return true;
  }

  unsubscribe(topic: RecognizedString): boolean {
    this.assertOpen();
    const name = toText(topic);
    const before = this.core.topics.unsubscribe(this, name);
    if (before < 0) return false;
    this.notifySubscription(name, before - 1, before);
    return true;
  }

  isSubscribed(topic: RecognizedString): boolean {
    this.assertReadable();
    return this.topics?.has(toText(topic)) ?? false;
  }

  getTopics(): string[] {
    this.assertReadable();
    return this.topics === undefined ? [] : [...this.topics];
  }

  publish(topic: RecognizedString, message: RecognizedString, isBinary = false, compress = false): boolean {
    this.assertOpen();
    return publishToTopic(this.core, toText(topic), message, isBinary, compress, this);
  }

  cork(cb: () => void): this {
    this.assertOpen();
    cb();
    return this;
  }

  getRemoteAddress(): ArrayBuffer {
    this.assertReadable();
    return addressBytes(this.core.transport.remoteAddress(this.id));
  }

  getRemoteAddressAsText(): ArrayBuffer {
    this.assertReadable();
    return textArrayBuffer(this.core.transport.remoteAddress(this.id));
  }

  getRemotePort(): number {
    this.assertReadable();
    return this.core.transport.remotePort(this.id);
  }

  getUserData(): UserData {
    if (this.userData === DEFAULT_USER_DATA) this.userData = {} as UserData;
    return this.userData;
  }

  // ---- used by the App ----------------------------------------------------------------

  /**
   * Sends a message framed once for many sockets; applies the backpressure rules. With the
   * transport's send buffer, the codec writes the plain frame into it once and every later
   * subscriber references it; else the shared frame goes to the transport as one buffer for all.
   */
  sendPublication(publication: Publication, batch: TransportBatch | undefined): SendStatus {
    if (this.stage !== OPEN) return DROPPED;
    if (this.overLimit()) return this.drop(publication.message, publication.isBinary);
    // The codec read in place, not through `conn`, and the framed path kept in its own method:
    // this runs once per subscriber inside the publish loop, and V8 inlines a bounded amount of
    // bytecode into the loop's compiled function. `conn`'s compiled code holds the codec's
    // construction (first send), which would count against that bound at every publish.
    const codec = this.codec;
    const held = codec instanceof RareState ? codec.codec : codec;
    const conn = held instanceof Connection ? held : this.conn;
    if (batch !== undefined && (!publication.compresses || conn.deflate === undefined)) {
      const buffer = batch.sendBufferFor(this.id);
      if (buffer !== undefined && conn.sendSharedTo(buffer, publication.shared)) return buffer.clear ? SUCCESS : BACKPRESSURE;
    }
    return this.sendPublicationFramed(conn, publication, batch);
  }

  /** {@link sendPublication} without the transport's send buffer: the publication's own frame (or its compressed variant). */
  private sendPublicationFramed(conn: Connection, publication: Publication, batch: TransportBatch | undefined): SendStatus {
    const prepared = publication.preparedFor(conn.deflate !== undefined);
    const frames = conn.sendPrepared(prepared);
    // The codec answers with the prepared chunks themselves when nothing (a queued pong, the
    // compressed variant) comes instead.
    if (frames === prepared.plain && batch !== undefined) return batch.writeShared(this.id, publication.frame) ? SUCCESS : BACKPRESSURE;
    return this.write(frames);
  }

  /** Whether this socket can still be sent to. */
  get isOpen(): boolean {
    return this.stage === OPEN;
  }

  // ---- SocketEntry: transport events ----------------------------------------------------

  onData(data: Uint8Array): void {
    if (this.stage === OPEN) this.armIdle();
    this.conn.receive(data);
    this.afterReceive();
  }

  onReceive(bytes: Uint8Array, start: number, end: number): void {
    if (this.stage === OPEN) this.armIdle();
    this.conn.receive(bytes, start, end);
    this.afterReceive();
  }

  onDrain(): void {
    const owed = this.rare?.owedPong;
    if (owed !== undefined) {
      this.rare!.owedPong = undefined;
      if (this.stage === OPEN && this.conn.state === 'open') this.write(this.conn.pong(owed));
    }
    if (this.stage !== OPEN) {
      // What was queued ahead of our close frame, and the frame itself, reached the kernel:
      // the peer's answer is due from now on.
      if (this.closeAwaitsPeer()) this.core.transport.setTimeout(this.id, CLOSE_HANDSHAKE_TIMEOUT);
      return;
    }
    const drain = this.behavior.handlers.drain;
    if (drain !== undefined) this.call(() => drain(this));
  }

  /** We sent a close frame (end, shutdown) and wait for the peer's. */
  private closeAwaitsPeer(): boolean {
    const codec = this.codec;
    const conn = codec instanceof RareState ? codec.codec : codec;
    return conn instanceof Connection && conn.state === 'closing';
  }

  /**
   * After our close frame was queued: the close handshake's timeout when the frame is out
   * already, else the bound on draining what is queued ahead of it (`closeDrainTimeout`);
   * {@link onDrain} starts the handshake's timeout once the queue is out.
   */
  private armCloseTimer(): void {
    const transport = this.core.transport;
    transport.setTimeout(this.id, this.behavior.closeDrainTimeout);
    if (transport.bufferedAmount(this.id) > 0) return;
    // Nothing refused by the kernel yet, but bytes of this tick may still sit in the transport's
    // send arena (it is flushed when the batch or the tick ends): look again after that.
    setImmediate(() => {
      if (this.closeAwaitsPeer() && transport.bufferedAmount(this.id) === 0) transport.setTimeout(this.id, CLOSE_HANDSHAKE_TIMEOUT);
    });
  }

  onTimeout(): void {
    const transport = this.core.transport;
    if (this.stage !== OPEN) {
      // Our close frame went unanswered.
      transport.destroy(this.id);
      return;
    }
    if (idlePingDue(this.behavior, this.pingSent)) {
      this.pingSent = true;
      this.write(this.conn.ping());
      transport.setTimeout(this.id, idleTimerAfterPing(this.behavior));
      return;
    }
    this.closeForUser(1006, EMPTY);
    transport.destroy(this.id);
  }

  onSocketClose(): void {
    if (this.stage === OPEN) {
      // The codec reports 1006 through onClose below.
      this.conn.receiveEof();
      if (this.stage === OPEN) this.closeForUser(1006, EMPTY);
    }
    this.endLifetime();
  }

  forceClose(): void {
    if (this.stage === OPEN) this.closeForUser(1006, EMPTY);
    this.endLifetime();
  }

  beginShutdown(code: number, reason: string): void {
    if (this.stage !== OPEN) return;
    try {
      this.end(code, reason);
    } catch {
      // The codec could not send a close frame any more: drop the socket instead.
      if (this.stage === OPEN) this.close();
    }
  }

  private endLifetime(): void {
    const lifetime = this.lifetime;
    if (lifetime === undefined) return;
    this.rare!.lifetime = undefined;
    this.core.lifetimes.remove(lifetime);
  }

  /** maxLifetime reached. */
  onLifetimeEnd(): void {
    if (this.stage === OPEN) this.end(MAX_LIFETIME_CODE, 'max lifetime reached');
  }

  // ---- ConnectionHandler: codec events ---------------------------------------------------

  /** Messages are valid only during the handler: small ones come in reused views. */
  viewOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
    return this.core.messageViews.viewOf(bytes, start, end);
  }

  onMessage(data: Uint8Array, isBinary: boolean): void {
    const message = this.behavior.handlers.message;
    if (this.stage !== OPEN || message === undefined) return;
    // Inline rather than through call(): no closure per message.
    try {
      message(this, data, isBinary);
    } catch (error) {
      rethrowOnNextTick(error);
    }
  }

  onPing(data: Uint8Array): void {
    if (this.conn.state === 'open') {
      // One pong per ping while the backlog is small, else the latest one on drain (backpressure.ts).
      if (pongMustWait(this.core.transport, this.id, this.rare?.owedPong !== undefined)) {
        this.rareState().owedPong = data.slice();
      } else this.write(this.conn.pong(data));
    }
    const ping = this.behavior.handlers.ping;
    if (this.stage === OPEN && ping !== undefined) this.call(() => ping(this, data));
  }

  onPong(data: Uint8Array): void {
    const pong = this.behavior.handlers.pong;
    if (this.stage === OPEN && pong !== undefined) this.call(() => pong(this, data));
  }

  onError(_error: ProtocolError): void {
    // The close that follows (onClose) carries the error's code; nothing else to do.
  }

  /** The codec's close: the peer's close frame, a protocol error, or EOF. */
  onClose(code: number, reason: string): void {
    if (this.stage === OPEN) this.closeForUser(code, reason === '' ? EMPTY : Buffer.from(reason, 'utf8'));
  }

  // ---- internals --------------------------------------------------------------------------

  private sendMessage(message: RecognizedString, isBinary: boolean, compress: boolean): SendStatus {
    if (this.overLimit()) return this.drop(message, isBinary);
    // Compressed only when asked and when permessage-deflate was negotiated with our compressor.
    const options = compress === true && this.conn.deflate !== undefined && this.behavior.deflate?.compresses === true ? COMPRESSED : UNCOMPRESSED;
    const buffer = this.core.batch?.sendBufferFor(this.id);
    if (buffer !== undefined) {
      // The codec frames straight into the transport's send buffer: no frame chunks. What does
      // not fit (a large frame) comes back, to be written after it.
      const bytes = typeof message === 'string' ? message : toBytes(message);
      let rest: Uint8Array[];
      if (isBinary) rest = this.conn.sendBinaryTo(buffer, bytes, options);
      else rest = this.conn.sendTextTo(buffer, bytes, options);
      if (this.behavior.resetIdleTimeoutOnSend) this.armIdle();
      if (rest.length > 0) return this.write(typeof bytes === 'string' ? rest : this.owned(rest, bytes));
      return buffer.clear ? SUCCESS : BACKPRESSURE;
    }
    let frames: Uint8Array[];
    if (typeof message === 'string' && !isBinary) frames = this.conn.sendText(message, options);
    else if (isBinary) {
      const bytes = toBytes(message);
      frames = this.owned(this.conn.sendBinary(bytes, options), bytes);
    } else {
      // Text given as bytes (an echo): framed as is, no round trip through a string.
      const bytes = toBytes(message);
      frames = this.owned(this.conn.sendText(bytes, options), bytes);
    }
    if (this.behavior.resetIdleTimeoutOnSend) this.armIdle();
    return this.write(frames);
  }

  /**
   * uWS semantics: the caller may reuse its buffer once `send` returns. A payload is framed by
   * reference ([header, payload]), so it is copied for a transport that writes later.
   */
  private owned(frames: Uint8Array[], payload: Uint8Array): Uint8Array[] {
    // The payload is the last chunk (queued pongs may come before the frame's header).
    const last = frames.length - 1;
    if (last >= 1 && frames[last] === payload && this.core.transport.copiesWrites !== true) {
      frames[last] = Uint8Array.prototype.slice.call(payload);
    }
    return frames;
  }

  private overLimit(): boolean {
    return overBackpressureLimit(this.behavior, this.core.transport, this.id);
  }

  private drop(message: RecognizedString, isBinary: boolean): SendStatus {
    const dropped = this.behavior.handlers.dropped;
    if (dropped !== undefined) this.call(() => dropped(this, toBytes(message), isBinary));
    if (this.behavior.closeOnBackpressureLimit && this.stage === OPEN) this.close();
    return DROPPED;
  }

  private write(frames: Uint8Array[]): SendStatus {
    const transport = this.core.transport;
    let clear = true;
    for (let i = 0; i < frames.length; i++) clear = transport.write(this.id, frames[i]) && clear;
    return clear ? SUCCESS : BACKPRESSURE;
  }

  private afterReceive(): void {
    const out = this.conn.takeOutgoing();
    for (let i = 0; i < out.length; i++) this.core.transport.write(this.id, out[i]);
    if (this.conn.shouldCloseTransport) this.core.transport.end(this.id);
  }

  /** Restarts the idle timer (idle-timeout.ts says when and for how long). */
  private armIdle(): void {
    const delay = idleTimerDelay(this.behavior);
    if (delay === 0) return;
    this.pingSent = false;
    this.core.transport.setTimeout(this.id, delay);
  }

  /** The WebSocket closes for its user: close handler, then the implicit unsubscriptions. */
  private closeForUser(code: number, message: Uint8Array): void {
    if (this.stage !== OPEN) return;
    this.stage = CLOSING;
    this.endLifetime();
    const close = this.behavior.handlers.close;
    if (close !== undefined) this.call(() => close(this, code, message));
    if (this.topics !== undefined) {
      for (const topic of [...this.topics]) {
        const before = this.core.topics.unsubscribe(this, topic);
        if (before >= 0) this.notifySubscription(topic, before - 1, before);
      }
    }
    this.stage = CLOSED;
  }

  private notifySubscription(topic: string, newCount: number, oldCount: number): void {
    const subscription = this.behavior.handlers.subscription;
    if (subscription !== undefined) this.call(() => subscription(this, topic, newCount, oldCount));
  }

  private call(fn: () => unknown): void {
    try {
      fn();
    } catch (error) {
      rethrowOnNextTick(error);
    }
  }

  private assertOpen(): void {
    if (this.stage !== OPEN) {
      throw new ClosedSocketError('WebSocket is closed: it cannot be used after end(), close() or its close handler');
    }
  }

  private assertReadable(): void {
    if (this.stage === CLOSED) {
      throw new ClosedSocketError('WebSocket is closed: it cannot be used after its close handler returned');
    }
  }
}
