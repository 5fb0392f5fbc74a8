/**
 * One engine.io session (engine.io's `Socket`, the `conn` of a Socket.IO client): the open
 * packet, heartbeats, the write buffer and its callbacks, the upgrade from polling to
 * websocket, and closing with engine.io's reasons ("transport close", "transport error",
 * "ping timeout", "parse error", "forced close").
 */
import { EventEmitter } from 'node:events';
import type { EngineRequest } from './engine-request.js';
import { type HeartbeatEntry, type HeartbeatList, heartbeatList } from './heartbeat-wheel.js';
import type { Packet, PacketType } from './packet-codec.js';
import type { Transport } from './transport.js';
import { WebSocketTransport } from './websocket-transport.js';

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
  /** The session closed: forget it (before the session's own 'close' listeners run). */
  forget(socket: EngineSocket): void;
}

type SendCallback = (transport: Transport) => void;
export type ReadyState = 'opening' | 'open' | 'closing' | 'closed';

/** One engine.io session (`socket.conn` in Socket.IO): see the file's header. */
export class EngineSocket extends EventEmitter implements HeartbeatEntry {
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
  private hasRefreshedPingTimeout = false;
  /** Heartbeats: the shared list this session waits on (see heartbeat-wheel.ts), and its links. */
  hbList: HeartbeatList | undefined = undefined;
  hbPrev: HeartbeatEntry | undefined = undefined;
  hbNext: HeartbeatEntry | undefined = undefined;
  hbDeadline = 0;
  /** Waiting to send the next ping (v4). */
  private readonly pingIntervalList: HeartbeatList;
  /** Waiting for the client's pong (v4) or ping (v3). */
  private readonly pingTimeoutList: HeartbeatList;

  constructor(id: string, server: EngineSocketServer, transport: Transport, req: EngineRequest, protocol: 3 | 4) {
    super();
    this.id = id;
    this.server = server;
    this.request = req;
    this.protocol = protocol;
    this.remoteAddress = req.connection.remoteAddress;
    const { pingInterval, pingTimeout } = server.opts;
    this.pingIntervalList = heartbeatList('interval', pingInterval);
    this.pingTimeoutList = heartbeatList('timeout', protocol === 3 ? pingInterval + pingTimeout : pingTimeout);
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

  onPacket(packet: Packet): void {
    if (this.readyState !== 'open') return;
    this.emit('packet', packet);
    // Any traffic proves the client alive (once per ping cycle: refreshing is not free).
    if (this.protocol !== 3 && this.hbList === this.pingTimeoutList && !this.hasRefreshedPingTimeout && packet.type !== 'pong') {
      this.pingTimeoutList.add(this);
      this.hasRefreshedPingTimeout = true;
    }
    switch (packet.type) {
      case 'ping':
        if (this.protocol !== 3) return this.onError(new Error('invalid heartbeat direction'));
        if (this.hbList === this.pingTimeoutList) this.pingTimeoutList.add(this);
        this.sendPacket('pong');
        this.emit('heartbeat');
        break;
      case 'pong':
        if (this.protocol === 3) return this.onError(new Error('invalid heartbeat direction'));
        // The next ping is due a pingInterval after this pong (which ends the timeout wait).
        this.pingIntervalList.add(this);
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

  onError(error: unknown): void {
    this.onClose('transport error', error);
  }

  private schedulePing(): void {
    this.pingIntervalList.add(this);
  }

  private resetPingTimeout(): void {
    this.pingTimeoutList.add(this);
  }

  /** A heartbeat deadline passed: time to ping (v4), or the client went quiet. */
  onHeartbeatDue(list: HeartbeatList): void {
    if (this.readyState === 'closed') return;
    if (list === this.pingIntervalList && this.protocol !== 3) {
      this.hasRefreshedPingTimeout = false;
      this.sendPacket('ping');
      this.resetPingTimeout();
    } else this.onClose('ping timeout');
  }

  private setTransport(transport: Transport): void {
    // Listeners shared by every session: the transport knows its session. ('error' and 'close'
    // are handled once: the first closes the session, which takes the listeners off.)
    this.transport = transport;
    transport.session = this;
    transport.on('error', onTransportError);
    transport.on('ready', onTransportReady);
    transport.on('packet', onTransportPacket);
    transport.on('drain', onTransportDrain);
    transport.on('close', onTransportClose);
  }

  /** The transport sent a batch: run the callbacks of the writes in it. */
  onDrain(): void {
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
    transport.on('close', onTransportClose);
    transport.once('error', onError);
    this.once('close', onClose);
  }

  private clearTransport(): void {
    const transport = this.transport;
    transport.removeListener('error', onTransportError);
    transport.removeListener('ready', onTransportReady);
    transport.removeListener('packet', onTransportPacket);
    transport.removeListener('drain', onTransportDrain);
    transport.removeListener('close', onTransportClose);
    // Late errors of a transport we let go of must not become uncaught.
    transport.on('error', noop);
    transport.close();
    if (this.hbList === this.pingTimeoutList) this.pingTimeoutList.remove(this);
  }

  onClose(reason: string, description?: unknown): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.hbList?.remove(this);
    // Kept one tick so 'close' listeners can still read what was not sent.
    process.nextTick(() => {
      this.writeBuffer = [];
    });
    this.packetsFn = [];
    this.sentCallbackFn = [];
    this.clearTransport();
    this.server.forget(this);
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
    const transport = this.transport;
    if (transport.writable && this.writeBuffer.length === 0 && this.sentCallbackFn.length === 0 && transport instanceof WebSocketTransport && !this.observed()) {
      // The websocket takes it now: what flush() would do for a one-packet buffer, minus the
      // buffer (nobody listens to see it). The callback runs once the frame is queued, as the
      // transport's synchronous drain would run it.
      if (transport.sendNow(type, data === null || data === '' ? undefined : data, options?.compress !== false)) callback?.(transport);
      return;
    }
    // Compression is on unless asked off.
    const packet: Packet = { type, options: { compress: options?.compress !== false } };
    if (data !== undefined && data !== null && data !== '') packet.data = data;
    this.emit('packetCreate', packet);
    this.writeBuffer.push(packet);
    if (typeof callback === 'function') this.packetsFn.push(callback);
    this.flush();
  }

  /** Whether someone listens to the write buffer's events (then every packet goes through it). */
  private observed(): boolean {
    return (
      this.listenerCount('packetCreate') + this.listenerCount('flush') + this.listenerCount('drain') + this.server.listenerCount('flush') + this.server.listenerCount('drain') >
      0
    );
  }

  flush(): void {
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

// The session's listeners on its transport, one function each for all sessions (`this`: the transport).
function onTransportError(this: Transport, error: unknown): void {
  this.session?.onError(error);
}
function onTransportReady(this: Transport): void {
  this.session?.flush();
}
function onTransportPacket(this: Transport, packet: Packet): void {
  this.session?.onPacket(packet);
}
function onTransportDrain(this: Transport): void {
  this.session?.onDrain();
}
function onTransportClose(this: Transport): void {
  this.session?.onClose('transport close');
}
