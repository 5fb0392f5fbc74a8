/**
 * The settings and handlers of a WebSocket route (`app.ws(pattern, behavior)`), as in
 * uWebSockets.js, and their resolution into the values the server runs with.
 */
import type { DeflateSetup, CompressOptions } from './compress-options.js';
import { DISABLED, deflateSetupFor } from './compress-options.js';
import type { HttpRequest } from './http-request.js';
import type { HttpResponse } from './http-response.js';
import type { WebSocket } from './websocket.js';

/**
 * Opaque value handed to `upgrade` and passed back to `res.upgrade`: it names the route whose
 * behavior the new WebSocket gets.
 */
export interface UpgradeContext {
  readonly pattern: string;
}

/**
 * A WebSocket route. Byte arguments (`message`, close `message`, ping/pong payloads) are
 * `Uint8Array` views valid only until the handler returns (or first awaits): copy what you keep
 * (`Uint8Array.prototype.slice`, `Buffer.from(view)`). Handlers may be async; their result is
 * ignored. An exception thrown by a handler surfaces as an uncaught exception after the server
 * finished its own work, so its state stays consistent.
 */
export interface WebSocketBehavior<UserData = unknown> {
  /** Largest message received (after inflation), in bytes; larger closes with 1009. Default: 16 KiB (16 * 1024). */
  maxPayloadLength?: number;
  /**
   * Seconds without received data before the connection is dropped (close handler code 1006).
   * Resolution is about one second. 0 disables. Default: 120.
   */
  idleTimeout?: number;
  /** permessage-deflate, a combination of the compression constants (see `compress-options`). Default: `DISABLED`. */
  compression?: CompressOptions;
  /**
   * zlib level (0–9) of the messages this route's sockets compress (`send(…, compress)` to a peer
   * that agreed to permessage-deflate): lower is faster, higher is smaller. A `publish` is
   * compressed once for all of its subscribers, at the codec's default. Default: 1 (the codec's
   * `DEFAULT_COMPRESSION_LEVEL`: zlib's fastest; zlib's own default is 6).
   */
  compressionLevel?: number;
  /**
   * Bytes of backpressure past which `send`/`publish` drop messages (`DROPPED`, `dropped`
   * handler). 0 means no limit. Default: 64 KiB (64 * 1024).
   */
  maxBackpressure?: number;
  /** Close the connection (close handler code 1006) when a message is dropped for backpressure. Default: false. */
  closeOnBackpressureLimit?: boolean;
  /** Also restart the idle timeout when we send, not only when we receive. Default: false. */
  resetIdleTimeoutOnSend?: boolean;
  /**
   * Ping the peer when half of `idleTimeout` passed without traffic, so a live peer's pong
   * keeps it open and a dead one is dropped at `idleTimeout`. Default: true.
   */
  sendPingsAutomatically?: boolean;
  /**
   * Minutes after which the connection is closed gracefully (code 1001, "max lifetime reached"),
   * to rebalance long-lived connections. 0 disables. Default: 0.
   */
  maxLifetime?: number;
  /**
   * Seconds that data queued ahead of our close frame (after `end()`, `app.shutdown()` or
   * `maxLifetime`) may take to reach the kernel; then the connection is dropped, so a peer that
   * stopped reading cannot hold the server. The close handshake's own 4 s start only once the
   * close frame itself was written. 0 disables the bound. Default: 30.
   */
  closeDrainTimeout?: number;

  /**
   * Decides on an upgrade request that passed WebSocket validation. Call `res.upgrade(...)` to
   * accept (synchronously, or later from `res.cork(...)` after `res.onAborted(...)`), or answer
   * over HTTP (`res.writeStatus('401 Unauthorized').end()`). `req` is valid only synchronously.
   * Default: accept with `{}` as user data, the first offered subprotocol and negotiated compression.
   */
  upgrade?: (res: HttpResponse, req: HttpRequest, context: UpgradeContext) => void;
  /** A WebSocket is open. */
  open?: (ws: WebSocket<UserData>) => void;
  /** A whole message arrived. `message` is a view valid only during this call. */
  message?: (ws: WebSocket<UserData>, message: Uint8Array, isBinary: boolean) => void;
  /** A message was not sent because of backpressure (see `maxBackpressure`). */
  dropped?: (ws: WebSocket<UserData>, message: Uint8Array, isBinary: boolean) => void;
  /** Backpressure drained: check `ws.getBufferedAmount()` and send more. */
  drain?: (ws: WebSocket<UserData>) => void;
  /**
   * The WebSocket is closed, whatever the cause: `code` is the peer's (1005 when it sent none),
   * ours from `end(code)`, the protocol error's (1002, 1007, 1009, ...), or 1006 for a dropped
   * connection, an idle timeout, `close()` and `app.close()`. Do not send from here.
   */
  close?: (ws: WebSocket<UserData>, code: number, message: Uint8Array) => void;
  /** A ping arrived (the pong is sent automatically). */
  ping?: (ws: WebSocket<UserData>, message: Uint8Array) => void;
  /** A pong arrived. */
  pong?: (ws: WebSocket<UserData>, message: Uint8Array) => void;
  /**
   * `subscribe`/`unsubscribe` changed a topic's subscriber count (also for the implicit
   * unsubscriptions after close). The topic is given as a string.
   */
  subscription?: (ws: WebSocket<UserData>, topic: string, newCount: number, oldCount: number) => void;
}

/** A behavior with every default applied. */
export interface ResolvedBehavior {
  readonly context: UpgradeContext;
  readonly maxPayloadLength: number;
  readonly idleTimeout: number;
  readonly deflate: DeflateSetup | undefined;
  /** undefined: the codec's default (1). */
  readonly compressionLevel: number | undefined;
  readonly maxBackpressure: number;
  readonly closeOnBackpressureLimit: boolean;
  readonly resetIdleTimeoutOnSend: boolean;
  readonly sendPingsAutomatically: boolean;
  /** In seconds. */
  readonly maxLifetime: number;
  readonly closeDrainTimeout: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- behaviours of every user-data type share one route table
  readonly handlers: WebSocketBehavior<any>;
}

/** Which behavior a context names (contexts are frozen, so the link lives here). */
const behaviorsByContext = new WeakMap<UpgradeContext, ResolvedBehavior>();

/** The behavior of the route `context` was handed out for, if it is one of ours. */
export function behaviorForContext(context: unknown): ResolvedBehavior | undefined {
  return typeof context === 'object' && context !== null ? behaviorsByContext.get(context as UpgradeContext) : undefined;
}

const DEFAULT_MAX_PAYLOAD_LENGTH = 16 * 1024;
const DEFAULT_IDLE_TIMEOUT = 120;
const DEFAULT_MAX_BACKPRESSURE = 64 * 1024;
const DEFAULT_CLOSE_DRAIN_TIMEOUT = 30;

/**
 * Applies the defaults and checks the values.
 * @throws {RangeError|TypeError} on a negative or non-numeric limit, or an invalid compression value.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any user-data type: see ResolvedBehavior.handlers
export function resolveBehavior(pattern: string, behavior: WebSocketBehavior<any>): ResolvedBehavior {
  if (behavior === null || typeof behavior !== 'object') throw new TypeError('a WebSocket behavior must be an object');
  const resolved: ResolvedBehavior = {
    context: Object.freeze({ pattern }),
    maxPayloadLength: nonNegative(behavior.maxPayloadLength, DEFAULT_MAX_PAYLOAD_LENGTH, 'maxPayloadLength'),
    idleTimeout: nonNegative(behavior.idleTimeout, DEFAULT_IDLE_TIMEOUT, 'idleTimeout'),
    deflate: deflateSetupFor(behavior.compression ?? DISABLED),
    compressionLevel: zlibLevel(behavior.compressionLevel),
    maxBackpressure: nonNegative(behavior.maxBackpressure, DEFAULT_MAX_BACKPRESSURE, 'maxBackpressure'),
    closeOnBackpressureLimit: behavior.closeOnBackpressureLimit ?? false,
    resetIdleTimeoutOnSend: behavior.resetIdleTimeoutOnSend ?? false,
    sendPingsAutomatically: behavior.sendPingsAutomatically ?? true,
    maxLifetime: nonNegative(behavior.maxLifetime, 0, 'maxLifetime') * 60,
    closeDrainTimeout: nonNegative(behavior.closeDrainTimeout, DEFAULT_CLOSE_DRAIN_TIMEOUT, 'closeDrainTimeout'),
    handlers: behavior,
  };
  behaviorsByContext.set(resolved.context, resolved);
  return resolved;
}

function zlibLevel(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > 9) throw new RangeError(`compressionLevel must be an integer 0..9, got ${String(value)}`);
  return value;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0)) throw new RangeError(`${name} must be a number ≥ 0, got ${String(value)}`);
  return value;
}
