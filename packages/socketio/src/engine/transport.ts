/**
 * What every engine transport shares (engine.io's transport contract, which Socket.IO and
 * engine sockets rely on): `readyState`, `writable`, `send(packets)`, `close(fn)`, `discard()`,
 * and the events `packet`, `ready`, `drain`, `error`, `close`, `headers`.
 */
import { EventEmitter } from 'node:events';
import { type Packet, type PacketCodec, codecFor } from './packet-codec.js';
import type { EngineRequest } from './engine-request.js';
import type { EngineSocket } from './engine-socket.js';

/** An error a transport reports (engine.io's `TransportError`). */
export class TransportError extends Error {
  readonly type = 'TransportError';
  constructor(
    message: string,
    readonly description?: unknown,
  ) {
    super(message);
  }
}

export abstract class Transport extends EventEmitter {
  abstract readonly name: 'polling' | 'websocket';
  /** Whether `send` may be called now. */
  writable = false;
  readyState: 'open' | 'closing' | 'closed' = 'open';
  /** Set when a newer transport replaced this one: closing it must not wait for the client. */
  discarded = false;
  /** engine.io protocol revision of the client (4, or 3 for Socket.IO 2 clients). */
  readonly protocol: 3 | 4;
  readonly codec: PacketCodec;
  /** False when the client asked for base64 (`b64` query). */
  readonly supportsBinary: boolean;
  /** The session id, once the socket opened. */
  sid: string | undefined;
  /** The session this transport carries or carried. */
  session: EngineSocket | undefined = undefined;

  constructor(req: EngineRequest) {
    super();
    this.protocol = req._query.EIO === '4' ? 4 : 3;
    this.codec = codecFor(this.protocol);
    this.supportsBinary = !req._query.b64;
  }

  discard(): void {
    this.discarded = true;
  }

  /** A request of this session arrived (polling only). */
  onRequest(_req: EngineRequest): void {}

  /** Closes; `fn` runs once the transport closed (for polling: after the close packet went out). */
  close(fn?: () => void): void {
    if (this.readyState === 'closed' || this.readyState === 'closing') return;
    this.readyState = 'closing';
    this.doClose(fn ?? noop);
  }

  abstract send(packets: Packet[]): void;
  protected abstract doClose(fn: () => void): void;

  /** Reports an error to the socket (which then closes with "transport error"). */
  onError(message: string, description?: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', new TransportError(message, description));
  }

  protected onPacket(packet: Packet): void {
    this.emit('packet', packet);
  }

  onClose(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.emit('close');
  }
}

function noop(): void {}
