/**
 * The websocket transport on a native App WebSocket. It exists before its socket (the
 * session may be made while the upgrade is still being decided) and is writable once the App
 * opened the socket. Sends go straight to the native socket's queue, so the engine never
 * buffers for a websocket and broadcasts published to native topics stay in order with them.
 */
import { DROPPED, type WebSocket } from '@uws/native';
import type { EngineRequest } from './engine-request.js';
import type { Packet } from './packet-codec.js';
import { Transport } from './transport.js';

/** What a native websocket of the engine carries as user data. */
export interface EngineSocketData {
  transport: WebSocketTransport;
}

export class WebSocketTransport extends Transport {
  readonly name = 'websocket' as const;
  /** The native socket, once open (engine.io's `transport.socket`). */
  socket: WebSocket<EngineSocketData> | undefined;
  private readonly deflateThreshold: number | undefined;
  /** The App reported the socket closed (the events follow on a later turn). */
  private socketClosed = false;

  /** `deflateThreshold`: messages this size or more are compressed; undefined: never. */
  constructor(req: EngineRequest, deflateThreshold: number | undefined) {
    super(req);
    this.deflateThreshold = deflateThreshold;
  }

  /** Whether broadcasts may bypass the engine for this client (v4 framing, binary allowed). */
  get nativeFanout(): boolean {
    return this.protocol === 4 && this.supportsBinary && this.socket !== undefined && !this.socketClosed && this.readyState === 'open';
  }

  /** The App opened the socket. */
  attach(ws: WebSocket<EngineSocketData>): void {
    this.socket = ws;
    if (this.readyState !== 'open') {
      ws.end(1000);
      return;
    }
    this.writable = true;
    this.emit('ready');
  }

  /** A message from the App (the view is valid only during this call). */
  onMessage(message: Uint8Array, isBinary: boolean): void {
    const data = isBinary ? Buffer.from(message) : Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString('utf8');
    this.onPacket(this.codec.decodePacket(data));
  }

  send(packets: Packet[]): void {
    const ws = this.socket;
    if (ws === undefined || this.socketClosed) return;
    this.writable = false;
    try {
      for (const packet of packets) {
        const data = this.codec.encodePacket(packet, this.supportsBinary);
        const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
        const compress = packet.options?.compress === true && this.deflateThreshold !== undefined && length >= this.deflateThreshold;
        if (ws.send(data, typeof data !== 'string', compress) === DROPPED) {
          // Only with a maxBackpressure limit: a lost message would break the session's order.
          this.onError('write error', 'backpressure limit reached');
          return;
        }
      }
    } catch (error) {
      // The socket closed under us (its close event follows).
      this.onError('write error', error);
      return;
    }
    this.emit('drain');
    this.writable = true;
    this.emit('ready');
  }

  protected doClose(fn: () => void): void {
    // The session learns it was closed by us before the App reports the socket's close.
    fn();
    if (this.socketClosed) return;
    try {
      this.socket?.end(1000);
    } catch {
      // already closed
    }
    if (this.socket === undefined) this.onClose();
  }

  /**
   * The App closed the socket; a protocol violation or an oversized message is a transport
   * error. Reported on a later turn, as `ws` does: Socket.IO handles a packet on the next
   * tick, and a disconnect packet that came with the close must win over the close.
   */
  onSocketClose(code: number): void {
    this.socketClosed = true;
    this.writable = false;
    setImmediate(() => {
      if (code === 1002 || code === 1007 || code === 1009) this.onError('websocket error', `closed with ${code}`);
      this.onClose();
    });
  }
}
