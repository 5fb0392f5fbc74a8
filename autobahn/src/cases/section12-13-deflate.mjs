// @ts-check
// 12.x and 13.x permessage-deflate: 1000 compressed messages per case, each echo checked before
// the next is sent, at the suite's sizes and auto-fragment sizes. 12.x varies the payload kind
// with the default offer; 13.x varies the offer (context takeover, window bits). A server that
// does not accept the offer makes the case UNIMPLEMENTED.
//
// In fuzzing-server mode the client offers and the fuzzer accepts with the case's rule: 12.x
// and 13.1 take the first offer as it is; 13.2–13.7 ask the client for no context takeover
// and/or a 9- or 15-bit window. A client whose offers do not allow the rule's answer (no
// `client_max_window_bits` for a window) gets no compression: UNIMPLEMENTED.
import { Case } from '../case.mjs';
import { WE_CLOSE } from '../case-builders.mjs';
import { CORPUS_NAMES, CorpusCursor, corpus } from '../compression-corpus.mjs';
import { acceptAsking, acceptFirst, firstAccepting } from '../permessage-deflate-server.mjs';
import { FAILED, OK, UNIMPLEMENTED } from '../verdicts.mjs';

/** [message length, count, wait s, auto-fragment size] of cases x.y.1 … x.y.18 */
const MESSAGE_SIZES = [
  [16, 1000, 60, 0], [64, 1000, 60, 0], [256, 1000, 120, 0], [1024, 1000, 240, 0], [4096, 1000, 480, 0],
  [8192, 1000, 480, 0], [16384, 1000, 480, 0], [32768, 1000, 480, 0], [65536, 1000, 480, 0], [131072, 1000, 480, 0],
  [8192, 1000, 480, 256], [16384, 1000, 480, 256], [32768, 1000, 480, 256], [65536, 1000, 480, 256], [131072, 1000, 480, 256],
  [131072, 1000, 480, 1024], [131072, 1000, 480, 4096], [131072, 1000, 480, 32768],
];

/** @typedef {import('../permessage-deflate-client.mjs').DeflateOffer} DeflateOffer */

/** 13.1 … 13.7: the offers the client sends. @type {DeflateOffer[][]} */
const OFFERS_13 = [
  [{}],
  [{ requestNoContextTakeover: true, requestMaxWindowBits: 0 }],
  [{ requestNoContextTakeover: false, requestMaxWindowBits: 9 }],
  [{ requestNoContextTakeover: false, requestMaxWindowBits: 15 }],
  [{ requestNoContextTakeover: true, requestMaxWindowBits: 9 }],
  [{ requestNoContextTakeover: true, requestMaxWindowBits: 15 }],
  [{ requestNoContextTakeover: true, requestMaxWindowBits: 9 }, { requestNoContextTakeover: true }, {}],
];

/** 13.1 … 13.7: how the fuzzer, as a server, accepts the client's offers. */
const ACCEPTS_13 = [
  acceptFirst,
  acceptAsking(true, 0),
  acceptAsking(false, 9),
  acceptAsking(false, 15),
  acceptAsking(true, 9),
  acceptAsking(true, 15),
  firstAccepting([acceptAsking(true, 9), acceptAsking(true, 0), acceptFirst]),
];

/**
 * @param {string} id @param {string} corpusName @param {DeflateOffer[]} offers
 * @param {import('../permessage-deflate-server.mjs').AcceptRule} serverAccept @param {number[]} size
 * @returns {import('../case-builders.mjs').CaseEntry}
 */
function deflateCase(id, corpusName, offers, serverAccept, [length, count, waitSecs, autoFragment]) {
  return {
    id,
    offers,
    serverAccept,
    messageSet: `${corpusName}/${length}`,
    make: (p) =>
      new (class extends Case {
        sent = 0;
        /** @type {import('node:buffer').Buffer | undefined} */
        last;
        init() {
          this.expectedClose = { ...WE_CLOSE };
          this.corpus = corpus(corpusName);
          this.cursor = new CorpusCursor(this.corpus, length);
        }
        onOpen() {
          this.p.autoFragmentSize = autoFragment;
          if (this.p.deflate === null) {
            this.behavior = UNIMPLEMENTED;
            this.p.sendClose(1000);
            return;
          }
          this.behavior = FAILED;
          this.result = `Case did not finish within ${waitSecs} seconds.`;
          this.p.closeAfter(waitSecs);
          this.sendOne();
        }
        sendOne() {
          const cursor = /** @type {CorpusCursor} */ (this.cursor);
          this.last = cursor.next();
          this.p.sendMessage(this.last, /** @type {import('../compression-corpus.mjs').Corpus} */ (this.corpus).binary, undefined, false, cursor.lastKey);
          this.sent++;
        }
        /** @param {import('node:buffer').Buffer} payload @param {boolean} binary */
        onMessage(payload, binary) {
          if (binary !== this.corpus?.binary || !this.last || !payload.equals(this.last)) {
            this.behavior = FAILED;
            this.result = binary !== this.corpus?.binary ? 'Echoed message type differs.' : 'Echoed message differs from what was sent.';
            this.p.sendClose(1000);
          } else if (this.sent < count) this.sendOne();
          else {
            this.behavior = OK;
            this.result = 'Ok, received all echoed messages in time.';
            this.p.sendClose(1000);
          }
        }
      })(p),
  };
}

export const section12 = CORPUS_NAMES.flatMap((name, j) => MESSAGE_SIZES.map((s, i) => deflateCase(`12.${j + 1}.${i + 1}`, name, [{}], acceptFirst, s)));
export const section13 = OFFERS_13.flatMap((offers, j) => MESSAGE_SIZES.map((s, i) => deflateCase(`13.${j + 1}.${i + 1}`, 'json', offers, ACCEPTS_13[j], s)));
