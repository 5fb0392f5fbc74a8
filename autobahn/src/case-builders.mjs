// @ts-check
// The shapes most cases share, so a section module reads as the list of what each case sends.
import { Buffer } from 'node:buffer';
import { Case } from './case.mjs';
import { OK } from './verdicts.mjs';

/**
 * One catalogue entry.
 * @typedef {object} CaseEntry
 * @property {string} id                         the suite's id, e.g. "6.4.3"
 * @property {(p: import('./fuzzing-session.mjs').FuzzingSession) => Case} make  the case, on a session of either role
 * @property {import('./permessage-deflate-client.mjs').DeflateOffer[]} [offers]  deflate offers (client mode)
 * @property {import('./permessage-deflate-server.mjs').AcceptRule} [serverAccept]  which client offer to accept, and how (server mode; none: decline)
 * @property {boolean} [exclusive]  heavy and timing-bound (9.x): run in the small pool, apart
 * @property {string} [messageSet]   compression cases (12.x/13.x): names the messages the case
 *   sends (corpus and length). These run in a pool of their own, whose width cannot change a
 *   verdict: each case has its own connection, and its only timeout (60–480 s for the whole
 *   case) is far beyond its duration. Cases with the same set run side by side, so the
 *   fuzzer compresses their messages once (compressed-message-cache.mjs).
 */

/** @typedef {import('./fuzzing-session.mjs').SendFrameOptions} FrameStep */

/** ASCII/latin1 text as bytes, for payloads the suite writes as byte literals. */
export const bytes = (/** @type {string} */ s) => Buffer.from(s, 'latin1');
/** `n` copies of one byte. */
export const fill = (/** @type {number} */ byte, /** @type {number} */ n) => Buffer.alloc(n, byte);

/** The server is expected to echo/answer and we close: code 1000, clean. */
export const WE_CLOSE = Object.freeze({ closedByMe: true, closeCode: [1000], requireClean: true });
/** The server must fail the connection with 1002. */
export const SERVER_FAILS_1002 = Object.freeze({ closedByMe: false, closeCode: [1002], requireClean: false });
/** The server must fail the connection with 1007 (and not noticing it fails the case). */
export const SERVER_FAILS_1007 = Object.freeze({ closedByMe: false, closeCode: [1007], requireClean: false, closedByWrongEndpointIsFatal: true });

/**
 * A case that sends frames, then closes or kills after a delay.
 * @param {string} id
 * @param {object} spec
 * @param {Record<string, import('./case.mjs').CaseEvent[]>} spec.expected  verdict → events, in match order
 * @param {import('./case.mjs').ExpectedClose} spec.close
 * @param {FrameStep[]} spec.frames
 * @param {{ kill: number } | { close: number }} spec.then
 * @param {boolean} [spec.sendCloseAfterFrames]  send close(1000) right after the frames (2.7, 2.8)
 * @returns {CaseEntry}
 */
export function framesCase(id, spec) {
  return {
    id,
    make: (p) =>
      new (class extends Case {
        onOpen() {
          for (const [verdict, events] of Object.entries(spec.expected)) this.expected.set(verdict, events);
          this.expectedClose = { ...spec.close };
          for (const f of spec.frames) this.p.sendFrame(f);
          if (spec.sendCloseAfterFrames) this.p.sendClose(1000);
          if ('kill' in spec.then) this.p.killAfter(spec.then.kill);
          else this.p.closeAfter(spec.then.close);
        }
      })(p),
  };
}

/** @param {Buffer} payload @param {boolean} binary @returns {import('./case.mjs').CaseEvent} */
export const message = (payload, binary) => ['message', payload, binary];
/** @param {Buffer} payload @returns {import('./case.mjs').CaseEvent} */
export const pong = (payload) => ['pong', payload];

export { OK };
