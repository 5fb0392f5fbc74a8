// @ts-check
// The fuzzer's side of permessage-deflate (RFC 7692): the offers it sends as a client,
// acceptance of the server's answer, and the per-message compressor/decompressor of either role. zlib work is done by the
// codec's node:zlib provider; what is judged is the testee, not that provider.
import { Buffer } from 'node:buffer';
import { zlibCompression } from '@uws/protocol';
import { cachedCompression } from './compressed-message-cache.mjs';

/**
 * One offer as the suite's client phrases it.
 * @typedef {object} DeflateOffer
 * @property {boolean} [acceptNoContextTakeover]  client_no_context_takeover (default true)
 * @property {boolean} [acceptMaxWindowBits]      client_max_window_bits (default true)
 * @property {boolean} [requestNoContextTakeover] server_no_context_takeover
 * @property {number} [requestMaxWindowBits]      server_max_window_bits=N (0: not asked)
 */

/** @param {DeflateOffer} offer */
export function offerString(offer) {
  let s = 'permessage-deflate';
  if (offer.acceptNoContextTakeover ?? true) s += '; client_no_context_takeover';
  if (offer.acceptMaxWindowBits ?? true) s += '; client_max_window_bits';
  if (offer.requestNoContextTakeover) s += '; server_no_context_takeover';
  if (offer.requestMaxWindowBits) s += `; server_max_window_bits=${offer.requestMaxWindowBits}`;
  return s;
}

/**
 * @typedef {object} DeflateAgreement
 * @property {boolean} serverNoContextTakeover
 * @property {boolean} clientNoContextTakeover
 * @property {number} serverMaxWindowBits
 * @property {number} clientMaxWindowBits
 */

/**
 * Reads the server's Sec-WebSocket-Extensions answer. Returns undefined when it declined;
 * throws on an answer no offer allows.
 * @param {string | undefined} header
 * @returns {DeflateAgreement | undefined}
 */
export function parseDeflateResponse(header) {
  if (!header) return undefined;
  for (const ext of header.split(',')) {
    const [name, ...params] = ext.split(';').map((s) => s.trim());
    if (name !== 'permessage-deflate') throw new Error(`server answered an extension not offered: ${name}`);
    /** @type {DeflateAgreement} */
    const a = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
    for (const p of params) {
      const [k, raw] = p.split('=').map((s) => s.trim());
      const v = raw === undefined ? undefined : Number(raw.replace(/"/g, ''));
      if (k === 'server_no_context_takeover') a.serverNoContextTakeover = true;
      else if (k === 'client_no_context_takeover') a.clientNoContextTakeover = true;
      else if (k === 'server_max_window_bits' && v !== undefined && v >= 8 && v <= 15) a.serverMaxWindowBits = v;
      else if (k === 'client_max_window_bits' && v !== undefined && v >= 8 && v <= 15) a.clientMaxWindowBits = v;
      else throw new Error(`invalid permessage-deflate parameter: ${p}`);
    }
    return a;
  }
  return undefined;
}

/**
 * The negotiated compression of one connection, from the fuzzer's end: as a client it
 * compresses with the client parameters and inflates with the server's; as a server the other
 * way round.
 */
export class FuzzerDeflate {
  /** @param {DeflateAgreement} agreement @param {number} level @param {boolean} [isServer] */
  constructor(agreement, level, isServer = false) {
    this.agreement = agreement;
    const a = agreement;
    this.ownNoContextTakeover = isServer ? a.serverNoContextTakeover : a.clientNoContextTakeover;
    this.peerNoContextTakeover = isServer ? a.clientNoContextTakeover : a.serverNoContextTakeover;
    // zlib cannot deflate with a 256-byte window; 9 bits is what zlib itself uses for 8.
    const windowBits = Math.max(9, isServer ? a.serverMaxWindowBits : a.clientMaxWindowBits);
    this.deflater = zlibCompression.createDeflater({ windowBits, level });
    /** What the output depends on besides the message (see compressed-message-cache.mjs). */
    this.cacheSuffix = `/w${windowBits}/l${level}`;
    this.inflater = zlibCompression.createInflater(isServer ? a.clientMaxWindowBits : a.serverMaxWindowBits);
  }

  /**
   * @param {Uint8Array} message
   * @param {string} [messageKey]  names the message's bytes: without context takeover the output
   *   is then taken from (or stored in) the cache of compressed messages
   */
  compress(message, messageKey) {
    const run = () => {
      const out = this.deflater.compress(message, true);
      if (this.ownNoContextTakeover) this.deflater.reset();
      return out;
    };
    const out = messageKey !== undefined && this.ownNoContextTakeover ? cachedCompression(messageKey + this.cacheSuffix, run) : run();
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }

  /** @param {Uint8Array} piece @param {boolean} final @param {Uint8Array[]} out */
  inflate(piece, final, out) {
    this.inflater.inflate(piece, 0, piece.length, final, Number.MAX_SAFE_INTEGER, out);
    if (final && this.peerNoContextTakeover) this.inflater.reset();
  }

  close() {
    this.deflater.close();
    this.inflater.close();
  }
}
