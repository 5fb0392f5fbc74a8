// @ts-check
// One fuzzing connection: the client end of a case. It behaves as the suite's client does
// (failByDrop off), because the close-behaviour verdict is computed from this end's flags:
// who sent close first (closedByMe), who dropped TCP (droppedByMe), whether the handshake
// completed cleanly (wasClean) and the code the server sent (remoteCloseCode).
//
// Timings that decide verdicts are the suite's: 1 s to answer our close, 1 s for the server to
// drop TCP after the handshake, and the case's own killAfter/closeAfter/continueLater delays.
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { encodeFrame, encodeHeader, maskCopy, newMaskKey } from './wire-frame.mjs';
import { ServerFrameReader } from './server-frame-reader.mjs';
import { Utf8Check } from './utf8-check.mjs';
import { ClientDeflate, offerString, parseDeflateResponse } from './permessage-deflate-client.mjs';

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_INVALID_PAYLOAD = 1007;

/** Close codes a peer may send, as the suite's client accepts them (1000–2999 part). */
const ALLOWED_LOW_CODES = new Set([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011]);
const CLOSE_HANDSHAKE_TIMEOUT_MS = 1000;
const SERVER_DROP_TIMEOUT_MS = 1000;
const OPEN_HANDSHAKE_TIMEOUT_MS = 5000;
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

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
   * @param {{ host: string, port: number, path?: string, offers?: import('./permessage-deflate-client.mjs').DeflateOffer[], deflateLevel?: number, tls?: boolean }} target
   * @param {SessionListener} listener
   */
  constructor(target, listener) {
    this.target = target;
    this.listener = listener;
    /** @type {SessionState} */
    this.state = 'CONNECTING';
    /** The fuzzer is the client here (the server-mode rules differ in one place). */
    this.isServer = false;
    this.connectionWasOpen = false;
    this.closedByMe = false;
    this.failedByMe = false;
    this.droppedByMe = false;
    this.wasClean = false;
    /** @type {number | null} */
    this.remoteCloseCode = null;
    /** @type {number | null} */
    this.localCloseCode = null;
    /** @type {ClientDeflate | null} negotiated permessage-deflate, if any */
    this.deflate = null;
    this.autoFragmentSize = 0;
    /** Frames sent, per opcode (case 10.1.1 checks its own fragmentation with it). */
    this.txFrameStats = new Array(16).fill(0);
    /** @type {Set<NodeJS.Timeout>} */
    this.timers = new Set();
    /** @type {{ data: Buffer, sync: boolean }[]} */
    this.sendQueue = [];
    this.sendScheduled = false;
    this.reader = new ServerFrameReader();
    this.insideMessage = false;
    this.messageCompressed = false;
    this.messageBinary = false;
    /** @type {Uint8Array[]} */
    this.messageData = [];
    /** @type {Utf8Check | null} */
    this.utf8 = null;
    /** @type {{ key: Buffer, offset: number } | null} a frame being written in pieces */
    this.openFrame = null;
    // wss: the testee's certificate is a test-only one, so it is not verified.
    this.socket = target.tls
      ? tls.connect({ host: target.host, port: target.port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
      : net.connect({ host: target.host, port: target.port });
    this.socket.setNoDelay(true);
    this.socket.on(target.tls ? 'secureConnect' : 'connect', () => this.sendOpeningHandshake());
    this.socket.on('data', (chunk) => this.onData(chunk));
    this.socket.on('error', () => {});
    this.socket.on('close', () => this.onSocketClosed());
    this.head = Buffer.alloc(0);
    this.after(OPEN_HANDSHAKE_TIMEOUT_MS, () => {
      if (this.state === 'CONNECTING') this.dropConnection(true);
    });
  }

  // ---- opening handshake ----

  sendOpeningHandshake() {
    this.key = randomBytes(16).toString('base64');
    const { host, port, path = '/', offers = [] } = this.target;
    const lines = [
      `GET ${path} HTTP/1.1`,
      `Host: ${host}:${port}`,
      'Upgrade: WebSocket',
      'Connection: Upgrade',
      'Pragma: no-cache',
      'Cache-Control: no-cache',
      `Sec-WebSocket-Key: ${this.key}`,
      'Sec-WebSocket-Version: 13',
    ];
    if (offers.length > 0) lines.push(`Sec-WebSocket-Extensions: ${offers.map(offerString).join(', ')}`);
    this.socket.write(lines.join('\r\n') + '\r\n\r\n');
  }

  /** @param {Buffer} chunk */
  onData(chunk) {
    if (this.state === 'CONNECTING') {
      this.head = Buffer.concat([this.head, chunk]);
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const rest = this.head.subarray(end + 4);
      if (!this.acceptResponse(this.head.subarray(0, end).toString('latin1'))) {
        this.dropConnection(true);
        return;
      }
      this.state = 'OPEN';
      this.connectionWasOpen = true;
      this.listener.onOpen();
      // onOpen may have ended the connection already.
      if (rest.length > 0 && /** @type {SessionState} */ (this.state) !== 'CLOSED') this.consume(rest);
      return;
    }
    if (this.state === 'OPEN' || this.state === 'CLOSING') this.consume(chunk);
  }

  /** @param {string} head @returns {boolean} */
  acceptResponse(head) {
    const [status, ...rest] = head.split('\r\n');
    if (!/^HTTP\/1\.1 101\b/.test(status)) return false;
    /** @type {Map<string, string>} */
    const headers = new Map();
    for (const line of rest) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const name = line.slice(0, i).trim().toLowerCase();
      const value = line.slice(i + 1).trim();
      headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
    }
    const accept = createHash('sha1').update(this.key + WS_GUID).digest('base64');
    if (headers.get('sec-websocket-accept') !== accept) return false;
    try {
      const agreement = parseDeflateResponse(headers.get('sec-websocket-extensions'));
      if (agreement && (this.target.offers ?? []).length === 0) return false;
      if (agreement) this.deflate = new ClientDeflate(agreement, this.target.deflateLevel ?? 6);
    } catch {
      return false;
    }
    return true;
  }

  // ---- receiving ----

  /** @param {Buffer} chunk */
  consume(chunk) {
    for (const frame of this.reader.push(chunk)) {
      if (this.state === 'CLOSED') return;
      this.onFrame(frame);
    }
  }

  /** @param {import('./server-frame-reader.mjs').ServerFrame} f */
  onFrame(f) {
    // Once we failed the connection only the close reply still matters.
    if (this.failedByMe && f.opcode !== 8) return;
    const pmce = this.deflate !== null;
    if (f.rsv !== 0 && !(pmce && f.rsv === 4)) return this.protocolViolation('RSV bits set without an extension');
    if (f.masked) return this.protocolViolation('masked server-to-client frame');
    if (!f.minimalLength) return this.protocolViolation('length not in minimal encoding');
    if (f.opcode > 7) {
      if (!f.fin) return this.protocolViolation('fragmented control frame');
      if (f.length > 125) return this.protocolViolation('control frame longer than 125');
      if (f.opcode !== 8 && f.opcode !== 9 && f.opcode !== 10) return this.protocolViolation('reserved control opcode');
      if (f.opcode === 8 && f.length === 1) return this.protocolViolation('close frame with 1-byte payload');
      if (pmce && f.rsv === 4) return this.protocolViolation('compressed control frame');
      return this.onControlFrame(f);
    }
    if (f.opcode !== 0 && f.opcode !== 1 && f.opcode !== 2) return this.protocolViolation('reserved data opcode');
    if (f.opcode === 0 && !this.insideMessage) return this.protocolViolation('continuation outside a message');
    if (f.opcode !== 0 && this.insideMessage) return this.protocolViolation('new message inside a fragmented one');
    if (f.opcode === 0 && f.rsv === 4) return this.protocolViolation('continuation frame with RSV1');
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
        return this.failConnection(CLOSE_INVALID_PAYLOAD, 'inflate failed');
      }
    }
    for (const p of pieces) {
      if (this.utf8 && !this.utf8.push(p)) return this.failConnection(CLOSE_INVALID_PAYLOAD, 'invalid UTF-8 in text message');
      this.messageData.push(p);
    }
    if (!f.fin) return;
    if (this.utf8 && !this.utf8.end()) return this.failConnection(CLOSE_INVALID_PAYLOAD, 'text message ended inside a code point');
    this.insideMessage = false;
    const message = Buffer.concat(this.messageData);
    this.messageData = [];
    if (!this.failedByMe) this.listener.onMessage(message, this.messageBinary);
  }

  /** @param {import('./server-frame-reader.mjs').ServerFrame} f */
  onControlFrame(f) {
    if (f.opcode === 9) {
      if (this.state === 'OPEN') this.sendFrame({ opcode: 10, payload: f.payload });
      return;
    }
    if (f.opcode === 10) return this.listener.onPong(f.payload);
    const code = f.length >= 2 ? f.payload.readUInt16BE(0) : null;
    const reason = f.length > 2 ? f.payload.subarray(2) : null;
    this.onCloseFrame(code, reason);
  }

  /** @param {number | null} code @param {Buffer | null} reason */
  onCloseFrame(code, reason) {
    // As the suite's client (failByDrop off): a bad code or reason fails the connection, and
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
      // The answer to our close: the server now has to drop TCP, else we do (unclean).
      this.clearTimer('closeHandshake');
      this.wasClean = true;
      this.after(SERVER_DROP_TIMEOUT_MS, () => {
        if (this.state !== 'CLOSED') {
          this.wasClean = false;
          this.dropConnection(true);
        }
      });
    } else if (this.state === 'OPEN') {
      this.wasClean = true;
      this.sendCloseFrame(CLOSE_NORMAL, undefined, true);
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
    this.sendData(encodeFrame(o), o.sync ?? false, o.chopsize);
  }

  /**
   * The suite's sendMessage: compressed when deflate was agreed, split into frames of
   * `fragmentSize` (or autoFragmentSize). Like the suite, a payload that is an exact multiple of
   * the fragment size ends with an empty final frame.
   * @param {Uint8Array} payload @param {boolean} binary @param {number} [fragmentSize] @param {boolean} [sync]
   */
  sendMessage(payload, binary, fragmentSize, sync = false) {
    if (this.state !== 'OPEN') return;
    const opcode = binary ? 2 : 1;
    let data = payload;
    let rsv = 0;
    if (this.deflate) {
      data = this.deflate.compress(payload);
      rsv = 4;
    }
    const size = fragmentSize ?? (this.autoFragmentSize > 0 ? this.autoFragmentSize : undefined);
    if (size === undefined || data.length <= size) {
      this.sendFrame({ opcode, payload: data, rsv, sync });
      return;
    }
    let first = true;
    for (let i = 0; ; i += size) {
      const j = i + size;
      const last = j > data.length;
      this.sendFrame({ opcode: first ? opcode : 0, payload: data.subarray(i, Math.min(j, data.length)), fin: last, rsv: first ? rsv : 0, sync });
      first = false;
      if (last) break;
    }
  }

  /** Starts a text frame whose header declares `length` bytes; the payload follows in pieces. */
  beginMessageFrame(/** @type {number} */ length) {
    const key = newMaskKey();
    this.openFrame = { key, offset: 0 };
    this.txFrameStats[1]++;
    this.sendData(encodeHeader(1, true, 0, length, key), false);
  }

  /** @param {Uint8Array} data */
  sendMessageFrameData(data) {
    if (!this.openFrame) throw new Error('no frame begun');
    this.sendData(maskCopy(data, this.openFrame.key, this.openFrame.offset), false);
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
  /** @type {string | undefined} */
  key;
}
