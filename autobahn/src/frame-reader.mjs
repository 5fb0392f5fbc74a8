// @ts-check
// Incremental reader of the frames the peer sends (the server in client mode, the client in
// server mode). It only cuts the byte stream into frames, unmasks masked payloads, and reports
// what the header said; judging the frames (masking, RSV, opcodes, lengths) is the session's
// job, in the order the suite checks them.
import { Buffer } from 'node:buffer';
import { maskInPlace } from './wire-frame.mjs';

/**
 * @typedef {object} PeerFrame
 * @property {boolean} fin
 * @property {number} rsv
 * @property {number} opcode
 * @property {boolean} masked
 * @property {number} length
 * @property {boolean} minimalLength  false when a 16/64-bit length encoded a smaller value
 * @property {Buffer} payload         unmasked
 */

export class FrameReader {
  constructor() {
    /** @type {Buffer[]} */
    this.chunks = [];
    this.buffered = 0;
  }

  /**
   * Adds bytes and returns every frame completed by them.
   * @param {Buffer} bytes
   * @returns {PeerFrame[]}
   */
  push(bytes) {
    this.chunks.push(bytes);
    this.buffered += bytes.length;
    /** @type {PeerFrame[]} */
    const frames = [];
    for (;;) {
      const frame = this.next();
      if (frame === undefined) break;
      frames.push(frame);
    }
    return frames;
  }

  /** @returns {PeerFrame | undefined} */
  next() {
    if (this.buffered < 2) return undefined;
    const head = this.peek(Math.min(this.buffered, 14));
    const b1 = head[1];
    let length = b1 & 0x7f;
    let offset = 2;
    let minimalLength = true;
    if (length === 126) {
      if (head.length < 4) return undefined;
      length = head.readUInt16BE(2);
      minimalLength = length > 125;
      offset = 4;
    } else if (length === 127) {
      if (head.length < 10) return undefined;
      const big = head.readBigUInt64BE(2);
      length = Number(big);
      minimalLength = big > 0xffffn;
      offset = 10;
    }
    const masked = (b1 & 0x80) !== 0;
    if (masked) offset += 4;
    if (this.buffered < offset + length) return undefined;
    const all = this.take(offset + length);
    const payload = all.subarray(offset);
    if (masked) maskInPlace(payload, all.subarray(offset - 4, offset));
    return {
      fin: (all[0] & 0x80) !== 0,
      rsv: (all[0] >> 4) & 7,
      opcode: all[0] & 0x0f,
      masked,
      length,
      minimalLength,
      payload,
    };
  }

  /** @param {number} n */
  peek(n) {
    if (this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    return Buffer.concat(this.chunks, this.buffered).subarray(0, n);
  }

  /** @param {number} n */
  take(n) {
    const joined = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
    // Not copied: every chunk is a buffer of its own (a socket read, or a concatenation made
    // here), so the frame's bytes may be unmasked in place and handed on.
    const out = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}
