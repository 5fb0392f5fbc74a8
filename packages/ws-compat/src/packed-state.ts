/**
 * How a WebSocket keeps little per connection: what a message or a send touches are own fields;
 * booleans, readyState and binaryType are bits of one small integer (`_bits`); what only a socket
 * in transit holds is an {@link IoState} made on first use and dropped once empty; the rest is a
 * {@link ColdState} made on the first write of one of its fields. The WebSocket class declares
 * these fields; {@link installPackedState} puts their accessors on its prototype, all here.
 */
import type { Buffer } from 'node:buffer';
import type { ClientState } from './client.js';
import { BINARY_TYPES, type BinaryType, DEFAULT_CLOSE_TIMEOUT, DEFAULT_MAX_PENDING_AUTO_PONGS, EMPTY_BUFFER } from './constants.js';
import type { QueuedSend } from './send-queue.js';
import type { Sender } from './sender.js';

/** A send callback (ws's). */
export type Callback = (error?: Error | null) => void;

/** Bits of `_bits` (a small integer, so it costs no more than a pointer). */
export const enum Bit {
  CLOSE_FRAME_RECEIVED = 1,
  CLOSE_FRAME_SENT = 2,
  ALLOW_SYNCHRONOUS_EVENTS = 4,
  TRACKED = 8,
  COUNTED = 16,
  /** Two bits: the readyState. */
  READY_STATE_SHIFT = 5,
  /** Two bits: the index of the binaryType in BINARY_TYPES. */
  BINARY_TYPE_SHIFT = 7,
  /** terminate() was called: the socket is destroyed once the transport flushed this batch. */
  TERMINATED = 512,
}

/**
 * What a WebSocket holds only while bytes or callbacks are in transit: frames written before an
 * adopted socket is ready, send callbacks behind backpressure, sends behind a Blob being read,
 * frames held by reference. Made on first use and dropped when all are empty again.
 */
export class IoState {
  preOpen: Uint8Array[] | undefined = undefined;
  pendingCallbacks: Callback[] | undefined = undefined;
  sendQueue: QueuedSend[] | undefined = undefined;
  /** Frames held by reference until the transport takes them (see send-queue.ts). */
  unsent: Uint8Array[] | undefined = undefined;
  unsentBytes = 0;
  /** `_end()` was called while frames were held: end once they are handed over. */
  endWhenSent = false;
}

/**
 * The state a WebSocket rarely touches (closing details, pause, the client's handshake, ...),
 * with its defaults. A WebSocket makes its own on the first write of one of these fields; until
 * then reads come from {@link COLD_DEFAULTS}.
 */
export class ColdState {
  _closeCode = 1006;
  _closeMessage: Buffer = EMPTY_BUFFER;
  _closeTimer: NodeJS.Timeout | null = null;
  _closeTimeout = DEFAULT_CLOSE_TIMEOUT;
  _errorEmitted = false;
  _extensions = '';
  _paused = false;
  _protocol = '';
  _isServer = true;
  _url: string | undefined = undefined;
  _bufferedAmount = 0;
  /** Events held back when `allowSynchronousEvents` is false. */
  _held: Array<[string, unknown, boolean]> | undefined = undefined;
  _heldScheduled = false;
  _eof = false;
  /** The client's handshake state (see client.ts). */
  _client: ClientState | undefined = undefined;
  _req: unknown = null;
  _senderObject: Sender | undefined = undefined;
  /** `maxPendingAutoPongs` (0: no limit), or NO_AUTO_PONG when `autoPong` is off. */
  _pongLimit = DEFAULT_MAX_PENDING_AUTO_PONGS;
  _pendingAutoPongs = 0;
}

const COLD_DEFAULTS: Readonly<ColdState> = Object.freeze(new ColdState());

/** The own fields the accessors below read and write. */
export interface PackedFields {
  _bits: number;
  _io: IoState | undefined;
  _cold: ColdState | undefined;
  /** The server that tracks (`_owner`) or counts (`_countedBy`) this socket: one object. */
  _server: unknown;
}

/** The initial `_bits`: synchronous events allowed, CONNECTING, binaryType 'nodebuffer'. */
export const INITIAL_BITS = Bit.ALLOW_SYNCHRONOUS_EVENTS; // CONNECTING = 0, 'nodebuffer' = 0

type IoKey = 'preOpen' | 'pendingCallbacks' | 'sendQueue' | 'unsent';

/** Sets one field of the in-transit state, making it on demand and dropping it once empty. */
export function setIo<K extends IoKey>(self: PackedFields, key: K, value: IoState[K]): void {
  let io = self._io;
  if (io === undefined) {
    if (value === undefined) return;
    self._io = io = new IoState();
  }
  io[key] = value;
  if (value === undefined && io.preOpen === undefined && io.pendingCallbacks === undefined && io.sendQueue === undefined && io.unsent === undefined) {
    self._io = undefined;
  }
}

/** The in-transit state, made on demand (for fields that do not make it empty again). */
export function ioOf(self: PackedFields): IoState {
  return (self._io ??= new IoState());
}

function flag(bit: Bit): PropertyDescriptor {
  return {
    get(this: PackedFields): boolean {
      return (this._bits & bit) !== 0;
    },
    set(this: PackedFields, on: boolean) {
      this._bits = on ? this._bits | bit : this._bits & ~bit;
    },
    configurable: true,
  };
}

function ioField(key: 'preOpen' | 'pendingCallbacks' | 'sendQueue'): PropertyDescriptor {
  return {
    get(this: PackedFields) {
      return this._io?.[key];
    },
    set(this: PackedFields, value: never) {
      setIo(this, key, value);
    },
    configurable: true,
  };
}

/** `_owner` and `_countedBy` share `_server`: a socket belongs to one server. */
function serverField(bit: Bit.TRACKED | Bit.COUNTED): PropertyDescriptor {
  return {
    get(this: PackedFields) {
      return (this._bits & bit) !== 0 ? this._server : undefined;
    },
    set(this: PackedFields, server: unknown) {
      if (server === undefined) {
        this._bits &= ~bit;
        return;
      }
      const other = (this._bits & (Bit.TRACKED | Bit.COUNTED) & ~bit) !== 0;
      if (other && this._server !== server) throw new Error('ws-compat: a WebSocket belongs to one server');
      this._server = server;
      this._bits |= bit;
    },
    configurable: true,
  };
}

/**
 * Puts the accessors of the packed state on `proto` (a prototype whose instances have
 * {@link PackedFields}): the flags and fields of `_bits`, the fields of `_io` and of `_cold`.
 */
export function installPackedState(proto: object): void {
  const descriptors: PropertyDescriptorMap = {
    _readyState: {
      get(this: PackedFields): number {
        return (this._bits >> Bit.READY_STATE_SHIFT) & 3;
      },
      set(this: PackedFields, state: number) {
        this._bits = (this._bits & ~(3 << Bit.READY_STATE_SHIFT)) | ((state & 3) << Bit.READY_STATE_SHIFT);
      },
      configurable: true,
    },
    _binaryType: {
      get(this: PackedFields): BinaryType {
        return BINARY_TYPES[(this._bits >> Bit.BINARY_TYPE_SHIFT) & 3];
      },
      set(this: PackedFields, type: BinaryType) {
        const index = BINARY_TYPES.indexOf(type);
        if (index < 0) return;
        this._bits = (this._bits & ~(3 << Bit.BINARY_TYPE_SHIFT)) | (index << Bit.BINARY_TYPE_SHIFT);
      },
      configurable: true,
    },
    _closeFrameReceived: flag(Bit.CLOSE_FRAME_RECEIVED),
    _closeFrameSent: flag(Bit.CLOSE_FRAME_SENT),
    _allowSynchronousEvents: flag(Bit.ALLOW_SYNCHRONOUS_EVENTS),
    _owner: serverField(Bit.TRACKED),
    _countedBy: serverField(Bit.COUNTED),
    _preOpen: ioField('preOpen'),
    _pendingCallbacks: ioField('pendingCallbacks'),
    _sendQueue: ioField('sendQueue'),
  };
  for (const key of Object.keys(COLD_DEFAULTS) as Array<keyof ColdState>) {
    descriptors[key] = {
      get(this: PackedFields) {
        return (this._cold ?? COLD_DEFAULTS)[key];
      },
      set(this: PackedFields, value: never) {
        (this._cold ??= new ColdState())[key] = value;
      },
      configurable: true,
    };
  }
  Object.defineProperties(proto, descriptors);
}
