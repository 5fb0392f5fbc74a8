/**
 * The websocket transport on a native App WebSocket. It exists before its socket (the
 * session may be made while the upgrade is still being decided) and is writable once the App
 * opened the socket. Sends go straight to the native socket's queue, so the engine never
 * buffers for a websocket and broadcasts published to native topics stay in order with them.
 */
import { DROPPED, type WebSocket } from '@uws/native';
import type { EngineRequest } from './engine-request.js';
import type { Packet, PacketType } from './packet-codec.js';
import { Transport } from './transport.js';

/** What a native websocket of the engine carries as user data. */
export interface EngineSocketData {
  transport: WebSocketTransport;
}

/** engine.io v4's packet type digits. */
const PACKET_DIGITS: Partial<Record<PacketType, string>> = { open: '0', close: '1', ping: '2', pong: '3', message: '4', upgrade: '5', noop: '6' };

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
    if (this.socket === undefined || this.socketClosed) return;
    this.writable = false;
    for (const packet of packets) {
      if (!this.write(packet.type, packet.data, packet.options?.compress === true)) return;
    }
    this.emit('drain');
    this.writable = true;
    this.emit('ready');
  }

  /**
   * Writes one packet to the native socket now, as one frame (the session's fast path when
   * nothing is queued and nobody observes its write buffer: no packet object, no batch, no
   * drain/ready round). False when the socket could not take it; the transport then reported
   * a write error and the session closes.
   */
  sendNow(type: PacketType, data: unknown, compress: boolean): boolean {
    if (this.socket === undefined || this.socketClosed) return false;
    return this.write(type, data, compress);
  }

  private write(type: PacketType, data: unknown, compress: boolean): boolean {
    const ws = this.socket!;
    try {
      // A v4 text packet is its type digit and its text: no parser round for the common case.
      const digit = this.protocol === 4 ? PACKET_DIGITS[type] : undefined;
      const frame =
        digit !== undefined && (typeof data === 'string' || data === undefined)
          ? data === undefined
            ? digit
            : digit + data
          : this.codec.encodePacket(data === undefined ? { type } : ({ type, data }), this.supportsBinary);
      const threshold = this.deflateThreshold;
      const deflate = compress && threshold !== undefined && (typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length) >= threshold;
      if (ws.send(frame, typeof frame !== 'string', deflate) === DROPPED) {
        // Only with a maxBackpressure limit: a lost message would break the session's order.
        this.onError('write error', 'backpressure limit reached');
        return false;
      }
      return true;
    } catch (error) {
      // The socket closed under us (its close event follows).
      this.onError('write error', error);
      return false;
    }
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
