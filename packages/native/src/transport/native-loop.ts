import { loadAddon, type NativeAddon, type NativeShared } from './native-binding.js';
import { COMMAND_INTS, Control, EVENT_INTS, Ev, EventType } from './native-layout.js';
import { ScratchMessageViews } from './message-views.js';
import { SocketTable, socketId } from './socket-table.js';
import type { TransportHandler } from './transport.js';
import { rethrowOnNextTick } from '../rethrow-on-next-tick.js';

const LOOP_KEY = Symbol.for('@uws/native.loop');
/** Bumped whenever NativeLoop's shape changes, so builds of different versions never share one. */
const LOOP_ABI = 1;

/** Who receives the events of a slot: a transport's handler. */
export interface SlotOwner {
  readonly handler: TransportHandler;
  /** Called when a socket of this owner closed (bookkeeping before the handler runs). */
  forget(slot: number): void;
}

/**
 * The JS half of the per-thread native loop: receives each batch of events in one call and
 * routes them to the transports (several Apps may share one thread's loop), and owns the
 * send arena that transports copy into and lend to the codec (see `ArenaSendBuffer`). Module state is per thread, so each worker gets its
 * own loop, as the addon does.
 */
export class NativeLoop {
  /**
   * The thread's loop is kept on `globalThis` (one per thread, like the addon's), not in module
   * state: a process that loads both the CommonJS and the ESM build of this package gets one
   * loop, where two would each try to initialise the addon and the second would fail.
   */
  static get(): NativeLoop {
    const holder = globalThis as { [LOOP_KEY]?: { abi: number; loop: NativeLoop } };
    const held = holder[LOOP_KEY];
    if (held !== undefined) {
      if (held.abi !== LOOP_ABI) {
        throw new Error('two incompatible copies of @uws/native are loaded in one thread; install a single version');
      }
      return held.loop;
    }
    const loop = new NativeLoop(loadAddon());
    holder[LOOP_KEY] = { abi: LOOP_ABI, loop };
    return loop;
  }

  readonly native: NativeAddon;
  private readonly shared: NativeShared;
  readonly control: Int32Array;
  private readonly events: Int32Array;
  private readonly receive: ArrayBuffer;
  /** The whole receive buffer (arena and message scratch) as bytes. */
  private readonly receiveBytes: Uint8Array;
  /** Views of received messages, copied into the scratch area behind the arena. */
  readonly messageViews: ScratchMessageViews;
  readonly sendBytes: Uint8Array;
  readonly commands: Int32Array;
  readonly buffered: Float64Array;
  readonly commandCapacity: number;

  /** Owner of each open socket, by socket id. */
  private readonly owners = new SocketTable<SlotOwner>();
  /** Owner of each listener, by listener id. */
  private readonly listenerOwners = new Map<number, SlotOwner>();

  /** missingServerName handlers, by TLS context id. */
  private readonly serverNameHandlers = new Map<number, (host: string) => void>();

  inBatch = false;
  private flushScheduled = false;
  /**
   * Counts the times the send arena was emptied (every flush JS asks for, and each batch: the
   * addon flushes after it): an offset in the arena is valid only in its epoch. With the
   * bytes `writeShared` copied into it in which epoch.
   */
  arenaEpoch = 0;
  private sharedBytes: Uint8Array | undefined;
  private sharedOffset = 0;
  private sharedEpoch = -1;
  /** Offset of the last `reserve`. */
  private reservedAt = 0;
  private readonly batchEndHandlers = new Set<TransportHandler>();

  private constructor(native: NativeAddon) {
    this.native = native;
    this.shared = native.init(() => this.onBatch());
    this.control = this.shared.control;
    this.events = this.shared.events;
    this.receive = this.shared.receive;
    this.receiveBytes = new Uint8Array(this.receive);
    this.messageViews = new ScratchMessageViews(this.receiveBytes, this.shared.receiveBytes, this.shared.messageScratchBytes);
    this.sendBytes = new Uint8Array(this.shared.send);
    this.commands = this.shared.commands;
    this.buffered = this.shared.buffered;
    this.commandCapacity = this.shared.commandCapacity;
  }

  /** Makes `owner` receive the events of socket `id` (a socket it connected or adopted). */
  setOwner(id: number, owner: SlotOwner): void {
    this.owners.set(id, owner);
  }

  setListenerOwner(id: number, owner: SlotOwner | undefined): void {
    if (owner === undefined) this.listenerOwners.delete(id);
    else this.listenerOwners.set(id, owner);
  }

  /**
   * Bytes the kernel refused for `slot` (as of the last flush). Bytes still in the send arena
   * are not counted: they leave with this batch's flush, and counting them would make every
   * send inside a handler look like backpressure.
   */
  bufferedAmount(slot: number): number {
    return this.buffered[slot];
  }

  /**
   * Queues `data` for (slot, gen): copied into the send arena, flushed with the batch (or on
   * the next microtask outside one). Large payloads go straight to the addon.
   */
  write(slot: number, gen: number, data: Uint8Array): void {
    const len = data.length;
    if (len === 0) return;
    if (len > this.sendBytes.length >>> 2) {
      this.writeDirect(slot, gen, data);
      return;
    }
    this.copyIn(slot, gen, data);
  }

  /**
   * `write` for bytes sent to many sockets (a publish): the first call copies `data` into the
   * send arena, later calls with the same `data` before the arena is flushed add a command
   * that references that copy, so the bytes are copied once, not once per socket. The caller
   * must not change `data` until the batch is over.
   */
  writeShared(slot: number, gen: number, data: Uint8Array): void {
    const len = data.length;
    if (len === 0) return;
    if (len > this.sendBytes.length >>> 2) {
      this.writeDirect(slot, gen, data);
      return;
    }
    const count = this.control[Control.COMMAND_COUNT];
    if (data === this.sharedBytes && this.sharedEpoch === this.arenaEpoch && count < this.commandCapacity) {
      this.command(count, slot, gen, this.sharedOffset, len);
      return;
    }
    this.sharedOffset = this.copyIn(slot, gen, data);
    this.sharedBytes = data;
    this.sharedEpoch = this.arenaEpoch;
  }

  /**
   * Lends `length` bytes of the send arena (flushing it first when they do not fit behind what
   * it holds) and returns their offset, or -1 when `length` is more than a quarter of the arena
   * (such bytes go through `write`, which hands them to the addon directly).
   */
  reserve(length: number): number {
    const capacity = this.sendBytes.length;
    if (length > capacity >>> 2) return -1;
    const control = this.control;
    let used = control[Control.SEND_USED];
    if (used + length > capacity || control[Control.COMMAND_COUNT] === this.commandCapacity) {
      this.flush();
      used = 0;
    }
    this.reservedAt = used;
    return used;
  }

  /** Queues the first `length` bytes of the last reservation for (slot, gen). */
  commit(slot: number, gen: number, length: number): void {
    const at = this.reservedAt;
    this.control[Control.SEND_USED] = at + ((length + 7) & ~7);
    this.command(this.control[Control.COMMAND_COUNT], slot, gen, at, length);
  }

  /**
   * Queues for (slot, gen) the `length` bytes at `offset` committed in epoch `epoch`, without
   * a copy; false when the arena was emptied since, or the command ring is full.
   */
  recommit(slot: number, gen: number, offset: number, length: number, epoch: number): boolean {
    const count = this.control[Control.COMMAND_COUNT];
    if (epoch !== this.arenaEpoch || count >= this.commandCapacity) return false;
    this.command(count, slot, gen, offset, length);
    return true;
  }

  /** Copies `data` into the send arena behind one command; returns its offset there. */
  private copyIn(slot: number, gen: number, data: Uint8Array): number {
    const len = data.length;
    const control = this.control;
    let used = control[Control.SEND_USED];
    let count = control[Control.COMMAND_COUNT];
    if (used + len > this.sendBytes.length || count === this.commandCapacity) {
      this.flush();
      used = 0;
      count = 0;
    }
    this.sendBytes.set(data, used);
    control[Control.SEND_USED] = used + ((len + 7) & ~7);
    this.command(count, slot, gen, used, len);
    return used;
  }

  /** Appends send command number `count`: `len` bytes at `offset` of the arena. */
  private command(count: number, slot: number, gen: number, offset: number, len: number): void {
    const c = count * COMMAND_INTS;
    const commands = this.commands;
    commands[c] = slot;
    commands[c + 1] = gen;
    commands[c + 2] = offset;
    commands[c + 3] = len;
    this.control[Control.COMMAND_COUNT] = count + 1;
    // Outside a batch only (a send from a timer...): kept out of this method, which a publish
    // loop inlines once per subscriber (V8 inlines a bounded amount of bytecode per function).
    if (!this.inBatch) this.scheduleFlush();
  }

  /** Flushes on the next microtask, once, when commands are queued outside a batch. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(this.flushTask);
  }

  private readonly flushTask = (): void => {
    this.flushScheduled = false;
    if (this.control[Control.COMMAND_COUNT] > 0) this.flush();
  };

  /** Hands every queued command to the addon now. */
  flush(): void {
    this.arenaFlushed();
    this.native.flush();
  }

  /** Sends `data` without the arena (too large for it); the addon flushes the arena first. */
  writeDirect(slot: number, gen: number, data: Uint8Array): void {
    this.arenaFlushed();
    this.native.writeDirect(slot, gen, data);
  }

  /** Ends (slot, gen) after what is queued for it; the addon flushes the arena first. */
  end(slot: number, gen: number): void {
    this.arenaFlushed();
    this.native.end(slot, gen);
  }

  /** The send arena is (about to be) emptied: a shared copy in it is gone. */
  private arenaFlushed(): void {
    this.arenaEpoch++;
    this.sharedBytes = undefined;
  }

  /** A native call that may have produced events (destroy) outside a batch: deliver them now. */
  deliverPending(): void {
    if (!this.inBatch && this.control[Control.EVENT_COUNT] > this.control[Control.EVENT_READ]) {
      this.onBatch();
      // The addon flushes after its own batches; after this one we do.
      if (this.control[Control.COMMAND_COUNT] > 0) this.flush();
    }
  }

  setServerNameHandler(contextId: number, handler: ((host: string) => void) | undefined): void {
    if (handler === undefined) this.serverNameHandlers.delete(contextId);
    else this.serverNameHandlers.set(contextId, handler);
  }

  /** Handlers that asked to hear when the current batch ends. */
  notifyBatchEnd(handler: TransportHandler): void {
    this.batchEndHandlers.add(handler);
  }

  private onBatch(): void {
    // The addon flushed the arena after the previous batch.
    this.arenaFlushed();
    const wasInBatch = this.inBatch;
    this.inBatch = true;
    let failure: unknown;
    try {
      failure = this.drain();
      // Checked first: iterating even an empty Set allocates an iterator, once per batch.
      if (this.batchEndHandlers.size > 0) {
        for (const h of this.batchEndHandlers) {
          try {
            h.onBatchEnd?.();
          } catch (err) {
            failure ??= err;
          }
        }
        this.batchEndHandlers.clear();
      }
    } finally {
      this.inBatch = wasInBatch;
    }
    // A throwing user callback must not cost the rest of the batch its events: report it
    // the way Node reports an error thrown from an event handler.
    if (failure !== undefined) rethrowOnNextTick(failure);
  }

  /** Delivers every event in the ring; returns the first error a handler threw. */
  private drain(): unknown {
    const control = this.control;
    const ev = this.events;
    let failure: unknown;
    let i = control[Control.EVENT_READ];
    while (i < control[Control.EVENT_COUNT]) {
      const o = i * EVENT_INTS;
      i++;
      control[Control.EVENT_READ] = i;
      const type = ev[o + Ev.TYPE];
      const slot = ev[o + Ev.SLOT];
      const id = socketId(slot, ev[o + Ev.GEN]);
      try {
        if (type === EventType.DATA) {
          const owner = this.owners.get(id);
          if (owner !== undefined) {
            const handler = owner.handler;
            const start = ev[o + Ev.A];
            if (handler.onReceive !== undefined) handler.onReceive(id, this.receiveBytes, start, start + ev[o + Ev.B]);
            else handler.onData(id, new Uint8Array(this.receive, start, ev[o + Ev.B]));
          }
        } else if (type === EventType.OPEN) {
          const listener = ev[o + Ev.A];
          const owner = listener >= 0 ? this.listenerOwners.get(listener) : this.owners.get(id);
          if (owner === undefined) {
            // Accepted on a listener closed earlier in this batch: nobody wants it.
            this.native.destroy(slot, ev[o + Ev.GEN]);
            continue;
          }
          this.owners.set(id, owner);
          owner.handler.onOpen(id, listener);
        } else if (type === EventType.DRAIN) {
          this.owners.get(id)?.handler.onDrain(id);
        } else if (type === EventType.TIMEOUT) {
          this.owners.get(id)?.handler.onTimeout(id);
        } else if (type === EventType.SERVER_NAME) {
          // The handshake resumes when this batch ends, whatever the handler did.
          const handler = this.serverNameHandlers.get(ev[o + Ev.A]);
          const info = handler === undefined ? null : this.native.tlsInfo(slot, ev[o + Ev.GEN]);
          if (handler !== undefined && info !== null) handler(info[0]);
        } else if (type === EventType.CLOSE) {
          const owner = this.owners.delete(id);
          if (owner !== undefined) {
            owner.forget(slot);
            owner.handler.onClose(id, ev[o + Ev.A]);
          }
        }
      } catch (err) {
        failure ??= err;
      }
    }
    return failure;
  }
}
