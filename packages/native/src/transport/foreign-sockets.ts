/**
 * Sockets the epoll loop cannot take over: a `tls.TLSSocket` from a foreign `https.Server`
 * carries ciphertext of a session that lives in node:tls, so its fd is useless to us. They run
 * on a private `NodeTransport` instead, under negative ids (epoll ids are never negative), so
 * the App above sees one transport.
 */
import type { Socket } from 'node:net';
import { NodeTransport } from './node-transport.js';
import type { TlsSocketInfo } from './tls-options.js';
import type { SocketId, TransportHandler } from './transport.js';

export class ForeignSockets {
  readonly transport = new NodeTransport();

  /** `handler` receives events with the mapped (negative) ids. */
  constructor(handler: TransportHandler) {
    this.transport.start({
      onOpen: (id, listener) => handler.onOpen(-id, listener),
      onData: (id, data) => handler.onData(-id, data),
      onDrain: (id) => handler.onDrain(-id),
      onTimeout: (id) => handler.onTimeout(-id),
      onClose: (id, errno) => handler.onClose(-id, errno),
      onBatchEnd: () => handler.onBatchEnd?.(),
    });
  }

  static owns(id: SocketId): boolean {
    return id < 0;
  }

  adopt(socket: Socket, head: Uint8Array): SocketId {
    return -this.transport.adopt(socket, head);
  }

  write(id: SocketId, data: Uint8Array): boolean {
    return this.transport.write(-id, data);
  }
  bufferedAmount(id: SocketId): number {
    return this.transport.bufferedAmount(-id);
  }
  pause(id: SocketId): void {
    this.transport.pause(-id);
  }
  resume(id: SocketId): void {
    this.transport.resume(-id);
  }
  setTimeout(id: SocketId, seconds: number): void {
    this.transport.setTimeout(-id, seconds);
  }
  end(id: SocketId): void {
    this.transport.end(-id);
  }
  destroy(id: SocketId): void {
    this.transport.destroy(-id);
  }
  remoteAddress(id: SocketId): string {
    return this.transport.remoteAddress(-id);
  }
  remotePort(id: SocketId): number {
    return this.transport.remotePort(-id);
  }
  tlsInfo(id: SocketId): TlsSocketInfo | undefined {
    return this.transport.tlsInfo(-id);
  }
}
