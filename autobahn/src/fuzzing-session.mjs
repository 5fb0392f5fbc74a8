// @ts-check
// One fuzzing connection: the fuzzer's end of a case, in either role. It behaves as the suite's
// end does (failByDrop off), because the close-behaviour verdict is computed from this end's
// flags: who sent close first (closedByMe), who dropped TCP (droppedByMe), whether the handshake
// completed cleanly (wasClean) and the code the peer sent (remoteCloseCode).
//
// The roles differ where RFC 6455 makes them differ: a client masks its frames and rejects
// masked ones, a server the reverse; after the close handshake a server drops TCP at once,
// a client waits (1 s) for the server to do it. The opening handshake is the subclass's
// (fuzzing-client-session.mjs, fuzzing-server-session.mjs).
//
// Timings that decide verdicts are the suite's: 1 s to answer our close, 1 s for the server to
// drop TCP after the handshake, and the case's own killAfter/closeAfter/continueLater delays.
import { Buffer } from 'node:buffer';
import { encodeFrame, encodeHeader, maskCopy, newMaskKey } from './wire-frame.mjs';
import { FrameReader } from './frame-reader.mjs';
import { Utf8Check } from './utf8-check.mjs';

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_INVALID_PAYLOAD = 1007;

/** Close codes a peer may send, as the suite's client accepts them (1000–2999 part). */
const ALLOWED_LOW_CODES = new Set([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011]);
const CLOSE_HANDSHAKE_TIMEOUT_MS = 1000;
const SERVER_DROP_TIMEOUT_MS = 1000;
export const OPEN_HANDSHAKE_TIMEOUT_MS = 5000;

/** @typedef {'CONNECTING' | 'OPEN' | 'CLOSING' | 'CLOSED'} SessionState */

/**
 * What a case receives from the session.
 * @typedef {object} SessionListener
 * @property {() => void} onOpen
 * @property {(payload: Buffer, binary: boolean) => void} onMessage
 * @property {(payload: Buffer) => void} onPong
 * @property {() => void} onConnectionLost
 */

/**
 * @typedef {object} SendFrameOptions
 * @property {number} opcode
 * @property {Uint8Array} [payload]
 * @property {boolean} [fin]
 * @property {number} [rsv]
 * @property {number} [payloadLen]
 * @property {number} [chopsize]  write the frame in pieces of this size, one write each
 * @property {boolean} [sync]     write the frame on its own (not coalesced with later writes)
 */

export class FuzzingSession {
  /**
   * @param {import('node:net').Socket} socket  connecting (client) or accepted (server)
   * @param {SessionListener} listener
   * @param {{ isServer: boolean, deflateLevel?: number }} o
   */
  constructor(socket, listener, o) {
    this.listener = listener;
    /** @type {SessionState} */
    this.state = 'CONNECTING';
    /** true: the fuzzer is the server and the testee a client (fuzzing-server mode). */
    this.isServer = o.isServer;
    this.deflateLevel = o.deflateLevel ?? 6;
    this.connectionWasOpen = false;
    this.closedByMe = false;
    this.failedByMe = false;
    this.droppedByMe = false;
    this.wasClean = false;
    /** @type {number | null} */
    this.remoteCloseCode = null;
    /** @type {number | null} */
    this.localCloseCode = null;
    /** @type {import('./permessage-deflate-client.mjs').FuzzerDeflate | null} negotiated permessage-deflate, if any */
    this.deflate = null;
    this.autoFragmentSize = 0;
    /** Frames sent, per opcode (case 10.1.1 checks its own fragmentation with it). */
    this.txFrameStats = new Array(16).fill(0);
    /** @type {Set<NodeJS.Timeout>} */
    this.timers = new Set();
    /** @type {{ data: Buffer, sync: boolean }[]} */
    this.sendQueue = [];
    this.sendScheduled = false;
    this.reader = new FrameReader();
    this.insideMessage = false;
    this.messageCompressed = false;
    this.messageBinary = false;
    /** @type {Uint8Array[]} */
    this.messageData = [];
    /** @type {Utf8Check | null} */
    this.utf8 = null;
    /** @type {{ key: Buffer | null, offset: number } | null} a frame being written in pieces */
    this.openFrame = null;
    this.socket = socket;
    this.socket.setNoDelay(true);
    this.socket.on('error', () => {});
    this.socket.on('close', () => this.onSocketClosed());
    this.after(OPEN_HANDSHAKE_TIMEOUT_MS, () => {
      if (this.state === 'CONNECTING') this.dropConnection(true);
    });
  }

  /**
   * The opening handshake is done: frames flow from now on.
   * @param {import('./permessage-deflate-client.mjs').FuzzerDeflate | null} deflate
   * @param {Buffer} rest  bytes that came after the handshake head
   */
  open(deflate, rest) {
    this.deflate = deflate;
    this.state = 'OPEN';
    this.connectionWasOpen = true;
    this.socket.on('data', (chunk) => {
      if (this.state === 'OPEN' || this.state === 'CLOSING') this.consume(chunk);
    });
    this.listener.onOpen();
    // onOpen may have ended the connection already.
    if (rest.length > 0 && /** @type {SessionState} */ (this.state) !== 'CLOSED') this.consume(rest);
  }

  // ---- receiving ----

  /** @param {Buffer} chunk */
  consume(chunk) {
    for (const frame of this.reader.push(chunk)) {
      if (this.state === 'CLOSED') return;
      this.onFrame(frame);
    }
  }

  /**
   * The suite's frame processing with failByDrop off: every rule a frame breaks fails the
   * connection (the first sends our close, a second one drops TCP), and the frame is then still
   * processed, so the peer's close reply is seen; messages are no longer delivered once we
   * failed the connection, pongs still are.
   * @param {import('./frame-reader.mjs').PeerFrame} f
   */
  onFrame(f) {
    const pmce = this.deflate !== null;
    /** @type {string[]} */
    const broken = [];
    if (f.rsv !== 0 && !(pmce && f.rsv === 4)) broken.push('RSV bits set without an extension');
    if (this.isServer && !f.masked) broken.push('unmasked client-to-server frame');
    if (!this.isServer && f.masked) broken.push('masked server-to-client frame');
    const control = f.opcode > 7;
    if (control) {
      if (!f.fin) broken.push('fragmented control frame');
      if (f.length > 125) broken.push('control frame longer than 125');
      if (f.opcode !== 8 && f.opcode !== 9 && f.opcode !== 10) broken.push('reserved control opcode');
      if (f.opcode === 8 && f.length === 1) broken.push('close frame with 1-byte payload');
      if (pmce && f.rsv === 4) broken.push('compressed control frame');
    } else {
      if (f.opcode !== 0 && f.opcode !== 1 && f.opcode !== 2) broken.push('reserved data opcode');
      if (f.opcode === 0 && !this.insideMessage) broken.push('continuation outside a message');
      if (f.opcode !== 0 && this.insideMessage) broken.push('new message inside a fragmented one');
      if (pmce && f.rsv === 4 && this.insideMessage) broken.push('continuation frame with RSV1');
    }
    if (!f.minimalLength) broken.push('length not in minimal encoding');
    for (const reason of broken) {
      this.protocolViolation(reason);
      if (this.state === 'CLOSED') return;
    }
    if (control) return this.onControlFrame(f);
    if (!this.insideMessage) {
      this.insideMessage = true;
      this.messageCompressed = pmce && f.rsv === 4;
      this.messageBinary = f.opcode === 2;
      this.messageData = [];
      this.utf8 = f.opcode === 1 ? new Utf8Check() : null;
    }
    /** @type {Uint8Array[]} */
    let pieces = [f.payload];
    if (this.messageCompressed && this.deflate) {
      pieces = [];
      try {
        this.deflate.inflate(f.payload, f.fin, pieces);
      } catch {
        this.failConnection(CLOSE_INVALID_PAYLOAD, 'inflate failed');
        if (this.state === 'CLOSED') return;
      }
    }
    for (const p of pieces) {
      if (this.utf8 && !this.utf8.push(p)) {
        this.failConnection(CLOSE_INVALID_PAYLOAD, 'invalid UTF-8 in text message');
        if (this.state === 'CLOSED') return;
      }
      if (!this.failedByMe) this.messageData.push(p);
    }
    if (!f.fin) return;
    // After invalid bytes the text cannot end on a code point either: a second failure.
    if (this.utf8 && !this.utf8.end()) {
      this.failConnection(CLOSE_INVALID_PAYLOAD, 'text message ended inside a code point');
      if (this.state === 'CLOSED') return;
    }
    this.insideMessage = false;
    const message = Buffer.concat(this.messageData);
    this.messageData = [];
    if (!this.failedByMe) this.listener.onMessage(message, this.messageBinary);
  }

  /** @param {import('./frame-reader.mjs').PeerFrame} f */
  onControlFrame(f) {
    if (f.opcode === 9) {
      if (this.state === 'OPEN') this.sendFrame({ opcode: 10, payload: f.payload });
      return;
    }
    if (f.opcode === 10) return this.listener.onPong(f.payload);
    if (f.opcode !== 8) return;
    const code = f.length >= 2 ? f.payload.readUInt16BE(0) : null;
    const reason = f.length > 2 ? f.payload.subarray(2) : null;
    this.onCloseFrame(code, reason);
  }

  /** @param {number | null} code @param {Buffer | null} reason */
  onCloseFrame(code, reason) {
    // As the suite's end (failByDrop off): a bad code or reason fails the connection, and
    // processing then goes on with code 1000 in place of the bad one; failing may already
    // have moved the state on (to CLOSING, or CLOSED when we were closing).
    this.remoteCloseCode = null;
    if (code !== null && (code < 1000 || (code <= 2999 && !ALLOWED_LOW_CODES.has(code)) || code >= 5000)) {
      this.protocolViolation(`invalid close code ${code}`);
      this.remoteCloseCode = CLOSE_NORMAL;
    } else this.remoteCloseCode = code;
    if (reason !== null) {
      const check = new Utf8Check();
      if (!check.push(reason) || !check.end()) this.failConnection(CLOSE_INVALID_PAYLOAD, 'invalid close reason');
    }
    if (this.state === 'CLOSING') {
      // The answer to our close. A server drops TCP now; a client waits for the server to
      // drop it, else drops it itself (unclean).
      this.clearTimer('closeHandshake');
      this.wasClean = true;
      if (this.isServer) this.dropConnection(true);
      else {
        this.after(SERVER_DROP_TIMEOUT_MS, () => {
          if (this.state !== 'CLOSED') {
            this.wasClean = false;
            this.dropConnection(true);
          }
        });
      }
    } else if (this.state === 'OPEN') {
      this.wasClean = true;
      this.sendCloseFrame(CLOSE_NORMAL, undefined, true);
      // A server closes TCP right after its reply (flushed first).
      if (this.isServer) this.dropConnection(false);
    } else if (this.state === 'CLOSED') {
      this.wasClean = false;
    }
  }

  /** @param {string} reason */
  protocolViolation(reason) {
    this.failConnection(CLOSE_PROTOCOL_ERROR, reason);
  }

  /** @param {number} code @param {string} reason */
  failConnection(code, reason) {
    if (this.state === 'CLOSED') return;
    this.failedByMe = true;
    if (this.state !== 'CLOSING') this.sendCloseFrame(code, Buffer.from(reason.slice(0, 123)), false);
    else this.dropConnection(false);
  }

  // ---- sending ----

  /**
   * The suite's sendFrame: any frame, optionally chopped into separate writes.
   * @param {SendFrameOptions} o
   */
  sendFrame(o) {
    this.txFrameStats[o.opcode & 15]++;
    this.sendData(encodeFrame(o, !this.isServer), o.sync ?? false, o.chopsize);
  }

  /**
   * The suite's sendMessage: compressed when deflate was agreed, split into frames of
   * `fragmentSize` (or autoFragmentSize). Like the suite, a payload that is an exact multiple of
   * the fragment size ends with an empty final frame. The frames of one message leave in one
   * write (corked), as the suite's reactor writes what a call queued in one go.
   * @param {Uint8Array} payload @param {boolean} binary @param {number} [fragmentSize] @param {boolean} [sync]
   * @param {string} [messageKey]  names the payload's bytes, so its compression may be reused
   */
  sendMessage(payload, binary, fragmentSize, sync = false, messageKey) {
    if (this.state !== 'OPEN') return;
    const opcode = binary ? 2 : 1;
    let data = payload;
    let rsv = 0;
    if (this.deflate) {
      data = this.deflate.compress(payload, messageKey);
      rsv = 4;
    }
    const size = fragmentSize ?? (this.autoFragmentSize > 0 ? this.autoFragmentSize : undefined);
    if (size === undefined || data.length <= size) {
      this.sendFrame({ opcode, payload: data, rsv, sync });
      return;
    }
    this.socket.cork();
    let first = true;
    for (let i = 0; ; i += size) {
      const j = i + size;
      const last = j > data.length;
      this.sendFrame({ opcode: first ? opcode : 0, payload: data.subarray(i, Math.min(j, data.length)), fin: last, rsv: first ? rsv : 0, sync });
      first = false;
      if (last) break;
    }
    this.socket.uncork();
  }

  /** Starts a text frame whose header declares `length` bytes; the payload follows in pieces. */
  beginMessageFrame(/** @type {number} */ length) {
    const key = this.isServer ? null : newMaskKey();
    this.openFrame = { key, offset: 0 };
    this.txFrameStats[1]++;
    this.sendData(encodeHeader(1, true, 0, length, key), false);
  }

  /** @param {Uint8Array} data */
  sendMessageFrameData(data) {
    if (!this.openFrame) throw new Error('no frame begun');
    const key = this.openFrame.key;
    this.sendData(key ? maskCopy(data, key, this.openFrame.offset) : Buffer.from(data), false);
    this.openFrame.offset += data.length;
  }

  /**
   * The suite's sendCloseFrame: no validation, so cases can send bad codes and reasons.
   * @param {number | null} [code] @param {Uint8Array} [reason] @param {boolean} [isReply]
   */
  sendCloseFrame(code = null, reason, isReply = false) {
    if (this.state !== 'OPEN') return;
    const parts = [];
    if (code !== null) {
      const c = Buffer.alloc(2);
      c.writeUInt16BE(code & 0xffff);
      parts.push(c);
    }
    if (reason) parts.push(Buffer.from(reason));
    this.sendFrame({ opcode: 8, payload: Buffer.concat(parts) });
    this.state = 'CLOSING';
    this.closedByMe = !isReply;
    this.localCloseCode = code;
    if (this.closedByMe) {
      this.after(CLOSE_HANDSHAKE_TIMEOUT_MS, () => {
        if (this.state !== 'CLOSED') {
          this.wasClean = false;
          this.dropConnection(true);
        }
      }, 'closeHandshake');
    }
  }

  /** @param {number | null} [code] @param {string} [reason] */
  sendClose(code = null, reason) {
    this.sendCloseFrame(code, reason === undefined ? undefined : Buffer.from(reason, 'utf8'), false);
  }

  /**
   * Writes in order; sync writes and chopped pieces go out one per loop turn so they leave as
   * separate TCP segments (nodelay is on), as the suite's reactor does.
   * @param {Buffer} data @param {boolean} sync @param {number} [chopsize]
   */
  sendData(data, sync, chopsize) {
    if (this.state === 'CLOSED') return;
    if (chopsize && chopsize > 0) {
      for (let i = 0; i < data.length; i += chopsize) this.sendQueue.push({ data: data.subarray(i, i + chopsize), sync: true });
      if (data.length === 0) this.sendQueue.push({ data, sync: true });
      this.trigger();
    } else if (sync || this.sendQueue.length > 0) {
      this.sendQueue.push({ data, sync });
      this.trigger();
    } else {
      this.socket.write(data);
    }
  }

  trigger() {
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    setImmediate(() => this.drainQueue());
  }

  drainQueue() {
    this.sendScheduled = false;
    if (this.state === 'CLOSED' || this.socket.destroyed) {
      this.sendQueue = [];
      return;
    }
    // Non-sync items go out together; a sync item ends this turn.
    while (this.sendQueue.length > 0) {
      const item = /** @type {{ data: Buffer, sync: boolean }} */ (this.sendQueue.shift());
      this.socket.write(item.data);
      if (item.sync) break;
    }
    if (this.sendQueue.length > 0) this.trigger();
  }

  // ---- timers the cases use ----

  /** @param {number} ms @param {() => void} fn @param {string} [name] */
  after(ms, fn, name) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (name) this.named.delete(name);
      fn();
    }, ms);
    this.timers.add(t);
    if (name) this.named.set(name, t);
  }

  /** @param {string} name */
  clearTimer(name) {
    const t = this.named.get(name);
    if (t) {
      clearTimeout(t);
      this.timers.delete(t);
      this.named.delete(name);
    }
  }

  /** @type {Map<string, NodeJS.Timeout>} */
  named = new Map();

  /** Fails the connection (close 1001, or drop when already closing) after `s` seconds. */
  killAfter(/** @type {number} */ s) {
    this.after(s * 1000, () => {
      if (this.state !== 'CLOSED') this.failConnection(CLOSE_GOING_AWAY, 'going away');
    });
  }

  /** Starts the closing handshake (close without code) after `s` seconds. */
  closeAfter(/** @type {number} */ s) {
    this.after(s * 1000, () => {
      if (this.state !== 'CLOSED') this.sendClose();
    });
  }

  /** @param {number} s @param {() => void} fn */
  continueLater(s, fn) {
    this.after(s * 1000, () => {
      if (this.state !== 'CLOSED') fn();
    });
  }

  // ---- ending ----

  /** @param {boolean} abort */
  dropConnection(abort) {
    if (this.state === 'CLOSED') return;
    this.droppedByMe = true;
    this.state = 'CLOSED';
    if (abort) this.socket.destroy();
    // Flush what is queued (a close frame), then close the socket entirely.
    else this.socket.end(() => this.socket.destroy());
  }

  onSocketClosed() {
    if (this.lost) return;
    this.lost = true;
    this.state = 'CLOSED';
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.deflate?.close();
    this.listener.onConnectionLost();
  }

  /** @type {boolean} */
  lost = false;
}
