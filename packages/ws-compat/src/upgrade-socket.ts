/**
 * The socket of an upgrade request, as the server's handshake sees it: a Node Duplex (from an
 * HTTP server or a user's `handleUpgrade` call), which moves onto a uws transport once
 * accepted, or a socket of our own transport (`port` mode, in http-upgrade.ts). Also what the
 * Node socket becomes after the native loop took its file descriptor.
 */
import { Buffer } from 'node:buffer';
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type SocketHub as Hub, type SocketId, type TransportChoice, hubFor } from '@uws/native';
import { type AttachParams, SocketFacade, WebSocket } from './websocket.js';

const kHandled = Symbol('ws-compat.handled');

/**
 * The socket of an upgrade request, whichever way it came: a Node Duplex (from an HTTP server
 * or a user's `handleUpgrade` call) or a socket of our own transport (`port` mode).
 */
export interface UpgradeSocket {
  /** Still readable and writable (ws destroys a half-closed socket instead of upgrading). */
  alive(): boolean;
  /** ws's `abortHandshake`: an HTTP error response, then close. */
  abort(code: number, message?: string, headers?: Record<string, string | number>): void;
  destroy(): void;
  /** Already upgraded once. */
  handled(): boolean;
  /** What `wsClientError` listeners get. */
  readonly userSocket: unknown;
  /**
   * Writes the 101 response (bytes) and binds `ws` to the connection; `params` from the
   * handshake, `req` the upgrade request handed to the user with `ws`.
   */
  accept(response: Uint8Array, ws: WebSocket, params: AttachParams, req: IncomingMessage): void;
}

/** ws's abortHandshake response text. */
export function abortResponse(code: number, message?: string, headers?: Record<string, string | number>): string {
  const body = message || STATUS_CODES[code] || '';
  const all: Record<string, string | number> = {
    Connection: 'close',
    'Content-Type': 'text/html',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  };
  return (
    `HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\n` +
    Object.keys(all)
      .map((h) => `${h}: ${all[h]}`)
      .join('\r\n') +
    '\r\n\r\n' +
    body
  );
}

/** Until the upgrade, an error on the socket destroys it (as ws). */
export function socketOnError(this: Duplex): void {
  this.destroy();
}

/** An upgrade on a Node Duplex: the accepted socket moves onto a uws transport. */
export class NodeUpgradeSocket implements UpgradeSocket {
  readonly userSocket: Duplex;
  private readonly head: Buffer;
  private readonly choice: TransportChoice | undefined;

  constructor(socket: Duplex, head: Buffer, choice: TransportChoice | undefined) {
    this.userSocket = socket;
    this.head = head;
    this.choice = choice;
  }

  alive(): boolean {
    return this.userSocket.readable && this.userSocket.writable;
  }

  handled(): boolean {
    return (this.userSocket as Duplex & { [kHandled]?: boolean })[kHandled] === true;
  }

  abort(code: number, message?: string, headers?: Record<string, string | number>): void {
    const socket = this.userSocket;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- an emitter calls its listener with itself as `this` (as ws does here)
    socket.once('finish', socket.destroy);
    socket.end(abortResponse(code, message, headers));
  }

  destroy(): void {
    this.userSocket.destroy();
  }

  accept(response: Uint8Array, ws: WebSocket, params: AttachParams, req: IncomingMessage): void {
    const socket = this.userSocket as Socket & { [kHandled]?: boolean; encrypted?: boolean };
    socket[kHandled] = true;
    socket.removeListener('error', socketOnError);
    // Bytes the socket read past the head (not consumed by anyone yet) belong to the WebSocket.
    let first: Buffer = this.head;
    if (socket.readableLength > 0) {
      const more = socket.read() as Buffer | string | null;
      if (more !== null) first = Buffer.concat([first, typeof more === 'string' ? Buffer.from(more, 'latin1') : more]);
    }
    const encrypted = socket.encrypted === true;
    const remote = { address: socket.remoteAddress, port: socket.remotePort, family: socket.remoteFamily };
    let hub: Hub | undefined;
    let id: SocketId | undefined;
    const native = this.choice === undefined || this.choice === 'auto' || this.choice === 'epoll' ? hubFor(this.choice ?? 'auto') : undefined;
    if (native !== undefined && native.transport.kind === 'epoll' && !encrypted && isNetSocket(socket)) {
      try {
        id = native.transport.adopt(socket, first);
        hub = native;
        actOnConnection(socket, ws);
      } catch {
        // No file descriptor to take over (a pipe wrapper, a mock): node:net serves it.
      }
    }
    if (hub === undefined) {
      // Node's HTTP server makes its sockets half-open: a peer's FIN would leave this one open
      // for ever (ws ends the socket on 'end'; the transport closes it once both sides ended).
      socket.allowHalfOpen = false;
      hub = typeof this.choice === 'object' && this.choice !== null ? hubFor(this.choice) : hubFor('node');
      id = hub.transport.adopt(socket, first);
    }
    const facade = new SocketFacade(hub, id!, encrypted);
    facade.authorized = (socket as { authorized?: boolean }).authorized === true;
    if (remote.address !== undefined) {
      facade.remoteAddress = remote.address;
      facade.remotePort = remote.port;
      facade.remoteFamily = remote.family;
    }
    // The request's socket is the connection's, as in ws (`req.socket === ws._socket`): once
    // the native loop took the descriptor, Node's socket is a dead object (with its streams'
    // state, its own hidden class and Node's listeners) that a request kept for the
    // connection's life (Primus keeps it in every spark) would otherwise hold on to.
    if (hub === native) {
      (req as { socket: unknown }).socket = facade;
      if ('client' in req) (req as { client: unknown }).client = facade;
    }
    // On node:net the socket stays Node's: the 101 goes out now, so that bytes its owner writes
    // to it next (engine.io's 400 for a refused handshake) follow it, as with ws.
    const onNode = hub !== native;
    if (onNode) socket.write(response);
    ws._attach(hub, id!, params, facade, true, onNode ? [] : [response]);
  }
}

const kConnection = Symbol('ws-compat.connection');
type TakenOver = Socket & { [kConnection]: WebSocket };

/**
 * Until the native loop reports an adopted socket ready (a microtask after the adoption, queued
 * first), ending or dropping it would lose the 101 held for it: wait for that.
 */
function whenReady(ws: WebSocket, fn: () => void): void {
  if (ws._preOpen !== undefined) queueMicrotask(fn);
  else fn();
}

/**
 * What a Node socket becomes once the native loop took its file descriptor (Node's socket is
 * destroyed then): its owner may still use it, as engine.io does when it refuses a
 * websocket-only handshake after the upgrade (a failing `generateId`): it writes a 400 to that
 * socket and destroys it. So `write`, `end`, `destroy` and `writable` act on the real
 * connection. One shared prototype, so a connection pays one property for it.
 */
const takenOverPrototype = Object.create(Socket.prototype, {
  write: {
    value(this: TakenOver, data: string | Uint8Array, encoding?: unknown, cb?: (error?: Error | null) => void): boolean {
      const ws = this[kConnection];
      if (typeof encoding === 'function') cb = encoding as typeof cb;
      if (ws.readyState !== WebSocket.OPEN && ws.readyState !== WebSocket.CLOSING) {
        if (cb) process.nextTick(cb, new Error('This socket has been ended by the other party'));
        return false;
      }
      ws._write([typeof data === 'string' ? Buffer.from(data, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : data], cb);
      return true;
    },
  },
  end: {
    value(this: TakenOver, data?: string | Uint8Array | (() => void)): Socket {
      const ws = this[kConnection];
      if (data !== undefined && typeof data !== 'function') this.write(data);
      whenReady(ws, () => {
        if (ws.readyState !== WebSocket.CLOSED) ws._hub!.transport.end(ws._id);
      });
      return this;
    },
  },
  destroy: {
    value(this: TakenOver): Socket {
      const ws = this[kConnection];
      // A microtask later, as bytes just written are flushed by then (Node's socket hands a
      // write to the kernel at once, so a write then destroy delivers it there too).
      queueMicrotask(() => ws.terminate());
      return this;
    },
  },
  writable: {
    get(this: TakenOver): boolean {
      return this[kConnection].readyState === WebSocket.OPEN;
    },
    set() {},
  },
}) as object;

function actOnConnection(socket: Socket, ws: WebSocket): void {
  Object.setPrototypeOf(socket, takenOverPrototype);
  (socket as TakenOver)[kConnection] = ws;
}

function isNetSocket(socket: Duplex): socket is Socket {
  const handle = (socket as { _handle?: { fd?: number } })._handle;
  return typeof handle?.fd === 'number' && handle.fd >= 0;
}
