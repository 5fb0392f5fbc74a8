/**
 * The socket facade: what ws users reach through `ws._socket` (a `net.Socket` in ws). It reads
 * the peer's address from the transport and forwards end/destroy/pause/resume and raw writes to
 * it; the WebSocket's own bytes never go through it.
 */
import { Buffer } from 'node:buffer';
import { isIP } from 'node:net';
import type { SocketId } from '@uws/native';
import type { SocketHub as Hub } from '@uws/native';
import { LeanEmitter } from './lean-emitter.js';

/**
 * ws's `ws._socket`, for code that reads the peer's address from it (Socket.IO does) or ends
 * the connection through it. The bytes themselves run on the uws transport. (Every socket a
 * `server`/`noServer` server takes over has one, hence the lean EventEmitter base.)
 */
export class SocketFacade extends LeanEmitter {
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  remoteFamily: string | undefined;
  /** True for a TLS connection (what `verifyClient`'s `info.secure` reads). */
  encrypted: boolean;
  authorized: boolean;
  /** @internal */
  _hub: Hub;
  /** @internal */
  _id: SocketId;

  constructor(hub: Hub, id: SocketId, encrypted = false) {
    super();
    this._hub = hub;
    this._id = id;
    this.encrypted = encrypted;
    this.authorized = false;
    this.remoteAddress = undefined;
    this.remotePort = undefined;
    this.remoteFamily = undefined;
    this._readPeer();
  }

  /** @internal Reads (again) the peer's address from the transport. */
  _readPeer(): void {
    const address = this._hub.transport.remoteAddress(this._id);
    if (address === '') return;
    this.remoteAddress = address;
    this.remotePort = this._hub.transport.remotePort(this._id);
    this.remoteFamily = isIP(address) === 6 ? 'IPv6' : 'IPv4';
  }

  get bufferSize(): number {
    return this._hub.transport.bufferedAmount(this._id);
  }
  get writableLength(): number {
    return this._hub.transport.bufferedAmount(this._id);
  }
  write(data: string | Uint8Array): boolean {
    return this._hub.transport.write(this._id, typeof data === 'string' ? Buffer.from(data) : data);
  }
  end(data?: string | Uint8Array): this {
    if (data !== undefined) this.write(data);
    this._hub.transport.end(this._id);
    return this;
  }
  destroy(): this {
    this._hub.transport.destroy(this._id);
    return this;
  }
  pause(): this {
    this._hub.transport.pause(this._id);
    return this;
  }
  resume(): this {
    this._hub.transport.resume(this._id);
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
}
