/**
 * Rooms as native topics: a mixin over a socket.io-adapter class (the in-memory `Adapter`,
 * `SessionAwareAdapter`, or a cluster adapter such as `@socket.io/redis-adapter`'s) whose local
 * delivery of a broadcast goes to the websocket clients of the native engine without the
 * engine's per-socket path: encoded once, then either published once to a native topic (one
 * room, or the whole namespace, without `except`: the App frames it once for every
 * subscriber) or sent as the same engine.io frames to each target socket (several rooms,
 * `except`). Polling clients, v3 clients and sessions not yet upgraded get it through their
 * queues as before. Broadcasts that wait for acks use the base path unchanged.
 *
 * Every native websocket of a namespace is subscribed to the topics of its rooms and of the
 * namespace, from the moment its websocket is the session's transport; a leave unsubscribes,
 * a close unsubscribes all (the App does it).
 */
import { Adapter, type BroadcastOptions, type Room, type SocketId } from 'socket.io-adapter';
import { NativeEngine } from '../engine/native-engine.js';
import { WebSocketTransport } from '../engine/websocket-transport.js';

/** What the mixin reads off a Socket.IO socket. */
interface SioSocket {
  id: SocketId;
  conn: { transport: unknown; readyState: string; once(event: 'upgrade', cb: () => void): unknown };
  client: { writeToEngine(encoded: unknown[], opts: unknown): void };
  notifyOutgoingListeners?: (packet: unknown) => void;
}

interface PendingBroadcast {
  packet: { id?: number };
  encoded: Array<string | Buffer>;
  packetOpts: { volatile?: boolean; compress?: boolean };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a mixin's base must take `...args: any[]` (TypeScript's rule)
type AdapterClass = abstract new (...args: any[]) => Adapter;

/** The public face of a socket.io-adapter class that the mixin builds on (`_encode`/`apply` are private in its types). */
interface AdapterBase {
  /** Socket.IO's Namespace: the parts of it used here. */
  nsp: { name: string; sockets: Map<SocketId, SioSocket> };
  rooms: Map<Room, Set<SocketId>>;
  sids: Map<SocketId, Set<Room>>;
  addAll(id: SocketId, rooms: Set<Room>): void;
  del(id: SocketId, room: Room): void;
  delAll(id: SocketId): void;
}

/** The topic of a room of a namespace (NUL-separated: no collision with an application's topics by accident). */
export function roomTopic(nsp: string, room: Room): string {
  return `\u0000sio\u0000${nsp}\u0000${String(room)}`;
}

/** The topic every native socket of a namespace is subscribed to. */
export function namespaceTopic(nsp: string): string {
  return `\u0000sio\u0000${nsp}`;
}

/**
 * Adds native fan-out to `Base`. The class it returns takes `Base`'s constructor arguments.
 * With an engine that is not a `NativeEngine` it behaves exactly as `Base`.
 */
export function withNativeFanout<TBase extends AdapterClass>(Base: TBase): TBase {
  // Whether `apply` is the in-memory adapter's own (a cluster adapter may override it).
  const inMemoryApply = (Base.prototype as unknown as { apply: unknown }).apply === (Adapter.prototype as unknown as { apply: unknown }).apply;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a mixin's base takes `...args: any[]`
  abstract class NativeFanout extends (Base as unknown as new (...args: any[]) => AdapterBase) {
    /** Socket ids whose websocket is subscribed to their rooms' topics. */
    private readonly nativeIds = new Set<SocketId>();
    /** Socket ids waiting for their session's upgrade. */
    private readonly watching = new Set<SocketId>();
    /** Set by `_encode`, taken by the `apply` that follows it in `broadcast`. */
    private pending: PendingBroadcast | undefined;

    private get engine(): NativeEngine | undefined {
      const engine = (this.nsp as { server?: { engine?: unknown } }).server?.engine;
      return engine instanceof NativeEngine ? engine : undefined;
    }

    private nativeTransportOf(socket: SioSocket | undefined): WebSocketTransport | undefined {
      const transport = socket?.conn.transport;
      return transport instanceof WebSocketTransport && transport.nativeFanout && socket!.conn.readyState === 'open' ? transport : undefined;
    }

    private socketOf(id: SocketId): SioSocket | undefined {
      return this.nsp.sockets.get(id);
    }

    override addAll(id: SocketId, rooms: Set<Room>): void {
      super.addAll(id, rooms);
      if (this.engine === undefined) return;
      if (this.nativeIds.has(id)) {
        const ws = this.nativeTransportOf(this.socketOf(id))?.socket;
        if (ws !== undefined) for (const room of rooms) ws.subscribe(roomTopic(this.nsp.name, room));
        return;
      }
      this.goNative(id);
    }

    /** Subscribes the socket's websocket to its rooms now, or once its session upgrades. */
    private goNative(id: SocketId): void {
      const socket = this.socketOf(id);
      if (socket === undefined) return;
      const transport = this.nativeTransportOf(socket);
      if (transport !== undefined) {
        const ws = transport.socket!;
        ws.subscribe(namespaceTopic(this.nsp.name));
        for (const room of this.sids.get(id) ?? []) ws.subscribe(roomTopic(this.nsp.name, room));
        this.nativeIds.add(id);
        return;
      }
      if (this.watching.has(id) || socket.conn.transport instanceof WebSocketTransport) return;
      this.watching.add(id);
      // Subscribed as the websocket becomes the transport, before the engine flushes what it
      // queued meanwhile: nothing published can overtake it.
      socket.conn.once('upgrade', () => {
        this.watching.delete(id);
        if (this.sids.has(id)) this.goNative(id);
      });
    }

    override del(id: SocketId, room: Room): void {
      super.del(id, room);
      if (this.nativeIds.has(id)) this.nativeTransportOf(this.socketOf(id))?.socket?.unsubscribe(roomTopic(this.nsp.name, room));
    }

    override delAll(id: SocketId): void {
      if (this.nativeIds.delete(id)) {
        const ws = this.nativeTransportOf(this.socketOf(id))?.socket;
        if (ws !== undefined) {
          ws.unsubscribe(namespaceTopic(this.nsp.name));
          for (const room of this.sids.get(id) ?? []) ws.unsubscribe(roomTopic(this.nsp.name, room));
        }
      }
      this.watching.delete(id);
      super.delAll(id);
    }

    /** Encodes once, and keeps the result for the `apply` of the same broadcast. */
    _encode(packet: PendingBroadcast['packet'], packetOpts: PendingBroadcast['packetOpts']): Array<string | Buffer> {
      // No `ws` pre-encoded frame: native sockets are framed by the App.
      const encoded = (this as unknown as { encoder: { encode(p: unknown): Array<string | Buffer> } }).encoder.encode(packet);
      this.pending = { packet, encoded, packetOpts };
      return encoded;
    }

    apply(opts: BroadcastOptions, callback: (socket: SioSocket) => void): void {
      const pending = this.pending;
      this.pending = undefined;
      const baseApply = (cb: (socket: SioSocket) => void): void =>
        (Base.prototype as unknown as { apply(this: unknown, o: BroadcastOptions, c: (s: SioSocket) => void): void }).apply.call(this, opts, cb);
      const engine = this.engine;
      // Not a broadcast, one waiting for acks, or no native engine: the base path.
      if (pending === undefined || pending.packet.id !== undefined || engine === undefined || this.nativeIds.size === 0) return baseApply(callback);

      const frames = pending.encoded.map((part) => (typeof part === 'string' ? `4${part}` : part));
      const threshold = engine.deflateThreshold;
      const wantsCompress = pending.packetOpts.compress !== false && threshold !== undefined;
      const compressOf = (frame: string | Buffer): boolean =>
        wantsCompress && (typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length) >= threshold;

      const except = opts.except;
      const rooms = opts.rooms;
      if ((except === undefined || except.size === 0) && rooms.size <= 1) {
        // One topic holds exactly the native targets: one publish per frame.
        const room = rooms.size === 0 ? undefined : (rooms.values().next().value as Room);
        const topic = room === undefined ? namespaceTopic(this.nsp.name) : roomTopic(this.nsp.name, room);
        const visit = (socket: SioSocket): void => {
          if (this.nativeIds.has(socket.id) && this.nativeTransportOf(socket) !== undefined) socket.notifyOutgoingListeners?.(pending.packet);
          else callback(socket);
        };
        if (room !== undefined && inMemoryApply) {
          // The in-memory adapter's walk of one room, without the set it builds to deduplicate
          // several rooms (a room's members are unique): same sockets, same order.
          const members = this.rooms.get(room);
          const sockets = (this.nsp as { sockets: Map<SocketId, SioSocket> }).sockets;
          if (members !== undefined) {
            for (const id of members) {
              const socket = sockets.get(id);
              if (socket !== undefined) visit(socket);
            }
          }
        } else baseApply(visit);
        for (const frame of frames) engine.publish(topic, frame, typeof frame !== 'string', compressOf(frame));
        return;
      }
      // Several rooms or `except`: the same frames to each native target.
      baseApply((socket) => {
        const transport = this.nativeIds.has(socket.id) ? this.nativeTransportOf(socket) : undefined;
        if (transport === undefined) return callback(socket);
        socket.notifyOutgoingListeners?.(pending.packet);
        const ws = transport.socket!;
        for (const frame of frames) ws.send(frame, typeof frame !== 'string', compressOf(frame));
      });
    }
  }
  return NativeFanout as unknown as TBase;
}
