/**
 * One engine.io session (engine.io's `Socket`, the `conn` of a Socket.IO client): the open
 * packet, heartbeats, the write buffer and its callbacks, the upgrade from polling to
 * websocket, and closing with engine.io's reasons ("transport close", "transport error",
 * "ping timeout", "parse error", "forced close").
 */
import { EventEmitter } from 'node:events';
import type { EngineRequest } from './engine-request.js';
import type { Packet, PacketType } from './packet-codec.js';
import type { Transport } from './transport.js';

/** What the socket needs of its server. */
export interface EngineSocketServer extends EventEmitter {
  readonly opts: {
    pingInterval: number;
    pingTimeout: number;
    upgradeTimeout: number;
    maxHttpBufferSize: number;
    transports: string[];
    initialPacket: unknown;
  };
  upgrades(transport: string): string[];
}

type SendCallback = (transport: Transport) => void;
export type ReadyState = 'opening' | 'open' | 'closing' | 'closed';

export class EngineSocket extends EventEmitter {
  readonly id: string;
  readonly server: EngineSocketServer;
  /** The handshake request. */
  readonly request: EngineRequest;
  readonly protocol: 3 | 4;
  readonly remoteAddress: string;
  readyState: ReadyState = 'opening';
  transport!: Transport;
  upgrading = false;
  upgraded = false;
  writeBuffer: Packet[] = [];

  private packetsFn: SendCallback[] = [];
  private sentCallbackFn: Array<SendCallback[] | null> = [];
  private cleanupFn: Array<() => void> = [];
  private pingTimeoutTimer: NodeJS.Timeout | undefined;
  private pingIntervalTimer: NodeJS.Timeout | undefined;
  private hasRefreshedPingTimeout = false;

  constructor(id: string, server: EngineSocketServer, transport: Transport, req: EngineRequest, protocol: 3 | 4) {
    super();
    this.id = id;
    this.server = server;
    this.request = req;
    this.protocol = protocol;
    this.remoteAddress = req.connection.remoteAddress;
    this.setTransport(transport);
    this.onOpen();
  }

  private onOpen(): void {
    this.readyState = 'open';
    this.transport.sid = this.id;
    const { pingInterval, pingTimeout, maxHttpBufferSize, initialPacket } = this.server.opts;
    this.sendPacket(
      'open',
      JSON.stringify({ sid: this.id, upgrades: this.getAvailableUpgrades(), pingInterval, pingTimeout, maxPayload: maxHttpBufferSize }),
    );
    if (initialPacket !== undefined && initialPacket !== null && initialPacket !== false) this.sendPacket('message', initialPacket);
    this.emit('open');
    // v3: the client pings and we answer; v4: we ping and the client answers.
    if (this.protocol === 3) this.resetPingTimeout();
    else this.schedulePing();
  }

  private onPacket(packet: Packet): void {
    if (this.readyState !== 'open') return;
    this.emit('packet', packet);
    // Any traffic proves the client alive (once per ping cycle: refreshing is not free).
    if (this.protocol !== 3 && this.pingTimeoutTimer !== undefined && !this.hasRefreshedPingTimeout && packet.type !== 'pong') {
      this.pingTimeoutTimer.refresh();
      this.hasRefreshedPingTimeout = true;
    }
    switch (packet.type) {
      case 'ping':
        if (this.protocol !== 3) return this.onError(new Error('invalid heartbeat direction'));
        this.pingTimeoutTimer?.refresh();
        this.sendPacket('pong');
        this.emit('heartbeat');
        break;
      case 'pong':
        if (this.protocol === 3) return this.onError(new Error('invalid heartbeat direction'));
        clearTimeout(this.pingTimeoutTimer);
        this.pingTimeoutTimer = undefined;
        this.pingIntervalTimer?.refresh();
        this.emit('heartbeat');
        break;
      case 'error':
        this.onClose('parse error');
        break;
      case 'message':
        this.emit('data', packet.data);
        this.emit('message', packet.data);
        break;
    }
  }

  private onError(error: unknown): void {
    this.onClose('transport error', error);
  }

  private schedulePing(): void {
    this.pingIntervalTimer = setTimeout(() => {
      this.hasRefreshedPingTimeout = false;
      this.sendPacket('ping');
      this.resetPingTimeout();
    }, this.server.opts.pingInterval);
  }

  private resetPingTimeout(): void {
    clearTimeout(this.pingTimeoutTimer);
    const { pingInterval, pingTimeout } = this.server.opts;
    this.pingTimeoutTimer = setTimeout(
      () => {
        if (this.readyState !== 'closed') this.onClose('ping timeout');
      },
      this.protocol === 3 ? pingInterval + pingTimeout : pingTimeout,
    );
  }

  private setTransport(transport: Transport): void {
    const onError = (error: unknown): void => this.onError(error);
    const onReady = (): void => this.flush();
    const onPacket = (packet: Packet): void => this.onPacket(packet);
    const onDrain = (): void => this.onDrain();
    const onClose = (): void => this.onClose('transport close');
    this.transport = transport;
    transport.once('error', onError);
    transport.on('ready', onReady);
    transport.on('packet', onPacket);
    transport.on('drain', onDrain);
    transport.once('close', onClose);
    this.cleanupFn.push(() => {
      transport.removeListener('error', onError);
      transport.removeListener('ready', onReady);
      transport.removeListener('packet', onPacket);
      transport.removeListener('drain', onDrain);
      transport.removeListener('close', onClose);
    });
  }

  /** The transport sent a batch: run the callbacks of the writes in it. */
  private onDrain(): void {
    const callbacks = this.sentCallbackFn.shift();
    if (callbacks) for (const fn of callbacks) fn(this.transport);
  }

  /**
   * Offers `transport` (a websocket) as the new transport: it must answer our probe ("2probe"
   * → "3probe") and then send "5" (upgrade); meanwhile a pending GET is flushed with noops so
   * the client can pause polling. Anything else, a timeout or a close cancels the upgrade.
   */
  maybeUpgrade(transport: Transport): void {
    this.upgrading = true;
    let checkTimer: NodeJS.Timeout | undefined;
    const upgradeTimer = setTimeout(() => {
      cleanup();
      if (transport.readyState === 'open') transport.close();
    }, this.server.opts.upgradeTimeout);

    const onPacket = (packet: Packet): void => {
      if (packet.type === 'ping' && packet.data === 'probe') {
        transport.send([{ type: 'pong', data: 'probe' }]);
        this.emit('upgrading', transport);
        clearInterval(checkTimer);
        checkTimer = setInterval(check, 100);
      } else if (packet.type === 'upgrade' && this.readyState !== 'closed') {
        cleanup();
        this.transport.discard();
        this.upgraded = true;
        this.clearTransport();
        this.setTransport(transport);
        this.emit('upgrade', transport);
        this.flush();
        if (this.readyState === 'closing') transport.close(() => this.onClose('forced close'));
      } else {
        cleanup();
        transport.close();
      }
    };
    const check = (): void => {
      if (this.transport.name === 'polling' && this.transport.writable) this.transport.send([{ type: 'noop' }]);
    };
    const cleanup = (): void => {
      this.upgrading = false;
      clearInterval(checkTimer);
      clearTimeout(upgradeTimer);
      transport.removeListener('packet', onPacket);
      transport.removeListener('close', onTransportClose);
      transport.removeListener('error', onError);
      this.removeListener('close', onClose);
    };
    const onError = (): void => {
      cleanup();
      transport.close();
    };
    const onTransportClose = (): void => onError();
    const onClose = (): void => onError();
    transport.on('packet', onPacket);
    transport.once('close', onTransportClose);
    transport.once('error', onError);
    this.once('close', onClose);
  }

  private clearTransport(): void {
    for (const cleanup of this.cleanupFn.splice(0)) cleanup();
    // Late errors of a transport we let go of must not become uncaught.
    this.transport.on('error', noop);
    this.transport.close();
    clearTimeout(this.pingTimeoutTimer);
    this.pingTimeoutTimer = undefined;
  }

  private onClose(reason: string, description?: unknown): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    clearTimeout(this.pingIntervalTimer);
    clearTimeout(this.pingTimeoutTimer);
    // Kept one tick so 'close' listeners can still read what was not sent.
    process.nextTick(() => {
      this.writeBuffer = [];
    });
    this.packetsFn = [];
    this.sentCallbackFn = [];
    this.clearTransport();
    this.emit('close', reason, description);
  }

  /** Sends a message packet; `callback` runs once the transport sent it. */
  send(data: unknown, options?: { compress?: boolean } | SendCallback, callback?: SendCallback): this {
    this.sendPacket('message', data, options, callback);
    return this;
  }

  write(data: unknown, options?: { compress?: boolean } | SendCallback, callback?: SendCallback): this {
    this.sendPacket('message', data, options, callback);
    return this;
  }

  sendPacket(type: PacketType, data?: unknown, options?: { compress?: boolean } | SendCallback, callback?: SendCallback): void {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    if (this.readyState === 'closing' || this.readyState === 'closed') return;
    // Compression is on unless asked off.
    const packet: Packet = { type, options: { compress: options?.compress !== false } };
    if (data !== undefined && data !== null && data !== '') packet.data = data;
    this.emit('packetCreate', packet);
    this.writeBuffer.push(packet);
    if (typeof callback === 'function') this.packetsFn.push(callback);
    this.flush();
  }

  private flush(): void {
    if (this.readyState === 'closed' || !this.transport.writable || this.writeBuffer.length === 0) return;
    this.emit('flush', this.writeBuffer);
    this.server.emit('flush', this, this.writeBuffer);
    const buffer = this.writeBuffer;
    this.writeBuffer = [];
    if (this.packetsFn.length > 0) {
      this.sentCallbackFn.push(this.packetsFn);
      this.packetsFn = [];
    } else this.sentCallbackFn.push(null);
    this.transport.send(buffer);
    this.emit('drain');
    this.server.emit('drain', this);
  }

  private getAvailableUpgrades(): string[] {
    return this.server.upgrades(this.transport.name).filter((name) => this.server.opts.transports.includes(name));
  }

  /** Closes the session; `discard`: do not wait for the client to fetch the close packet. */
  close(discard?: boolean): void {
    if (discard && (this.readyState === 'open' || this.readyState === 'closing')) return this.closeTransport(true);
    if (this.readyState !== 'open') return;
    this.readyState = 'closing';
    if (this.writeBuffer.length > 0) {
      this.once('drain', () => this.closeTransport(discard));
      return;
    }
    this.closeTransport(discard);
  }

  private closeTransport(discard?: boolean): void {
    if (discard) this.transport.discard();
    this.transport.close(() => this.onClose('forced close'));
  }
}

function noop(): void {}
