// @ts-check
// 9.x Limits/performance: large messages (9.1/9.2), many fragments (9.3/9.4), large frames
// written in small chops (9.5/9.6), and 1000 sequential round trips (9.7/9.8). A case is OK
// when the echo arrives whole and in time; the close must still be clean.
import { Buffer } from 'node:buffer';
import { Case } from '../case.mjs';
import { WE_CLOSE, bytes } from '../case-builders.mjs';
import { FAILED, OK } from '../verdicts.mjs';

const KiB = 1024;
const MiB = 1024 * 1024;

/** Echo of one message of `length` bytes decides the case. */
class OneEchoCase extends Case {
  length = 0;
  binary = false;

  /** @param {number} waitSecs */
  arm(waitSecs) {
    this.behavior = FAILED;
    this.expectedClose = { ...WE_CLOSE };
    this.result = `Did not receive message within ${waitSecs} seconds.`;
    this.p.closeAfter(waitSecs);
  }

  /** @param {Buffer} payload @param {boolean} binary */
  onMessage(payload, binary) {
    if (binary === this.binary && payload.length === this.length) {
      this.behavior = OK;
      this.result = `Received message of length ${payload.length}.`;
    } else this.result = `Expected ${this.binary ? 'binary' : 'text'} of length ${this.length}, got ${binary ? 'binary' : 'text'} of ${payload.length}.`;
    this.p.sendClose(1000);
  }
}

/**
 * @param {string} id @param {number} opcode @param {Buffer} pattern @param {number} length
 * @param {{ chopsize?: number, fragmentSize?: number, waitSecs: number }} how
 * @returns {import('../case-builders.mjs').CaseEntry}
 */
const oneEcho = (id, opcode, pattern, length, how) => ({
  id,
  exclusive: true,
  make: (p) =>
    new (class extends OneEchoCase {
      onOpen() {
        this.length = length;
        this.binary = opcode === 2;
        this.arm(how.waitSecs);
        if (how.fragmentSize !== undefined) {
          this.p.sendMessage(Buffer.alloc(length, pattern[0]), this.binary, how.fragmentSize);
        } else this.p.sendFrame({ opcode, payload: pattern, payloadLen: length, chopsize: how.chopsize });
      }
    })(p),
});

/**
 * 9.7/9.8: `count` messages of `length`, each sent when the previous echo arrived.
 * @param {string} id @param {boolean} binary @param {number} length @param {number} count @param {number} waitSecs
 * @returns {import('../case-builders.mjs').CaseEntry}
 */
const roundTrips = (id, binary, length, count, waitSecs) => ({
  id,
  exclusive: true,
  make: (p) =>
    new (class extends Case {
      sent = 0;
      onOpen() {
        this.behavior = FAILED;
        this.expectedClose = { ...WE_CLOSE };
        this.result = `Case did not finish within ${waitSecs} seconds.`;
        this.p.closeAfter(waitSecs);
        this.sendOne();
      }
      sendOne() {
        this.p.sendFrame(binary ? { opcode: 2, payload: bytes('\xfe'), payloadLen: length } : { opcode: 1, payload: bytes('*'), payloadLen: length });
        this.sent++;
      }
      /** @param {Buffer} payload @param {boolean} isBinary */
      onMessage(payload, isBinary) {
        if (isBinary !== binary || payload.length !== length) {
          this.behavior = FAILED;
          this.result = 'Echoed message type or length differs from what was sent.';
          this.p.sendClose(1000);
        } else if (this.sent < count) this.sendOne();
        else {
          this.behavior = OK;
          this.result = 'Ok, received all echoed messages in time.';
          this.p.sendClose(1000);
        }
      }
    })(p),
});

const SIZES = [64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 8 * MiB, 16 * MiB];
const FRAGMENTS = [64, 256, 1 * KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB];
const CHOPS = [64, 128, 256, 512, 1024, 2048];
const ROUND_TRIPS = [[0, 60], [16, 60], [64, 60], [256, 120], [1024, 240], [4096, 480]];

const textPattern = bytes('BAsd7&jh23');
const binaryPattern = bytes('\x00\xfe\x23\xfa\xf0');

export const section9 = [
  ...SIZES.map((n, i) => oneEcho(`9.1.${i + 1}`, 1, textPattern, n, { waitSecs: 10 })),
  ...SIZES.map((n, i) => oneEcho(`9.2.${i + 1}`, 2, binaryPattern, n, { waitSecs: 10 })),
  ...FRAGMENTS.map((f, i) => oneEcho(`9.3.${i + 1}`, 1, bytes('*'), 4 * MiB, { fragmentSize: f, waitSecs: 100 })),
  // 9.4.1 repeats 0xFE, the others '*' (as the suite does).
  ...FRAGMENTS.map((f, i) => oneEcho(`9.4.${i + 1}`, 2, i === 0 ? bytes('\xfe') : bytes('*'), 4 * MiB, { fragmentSize: f, waitSecs: 100 })),
  ...CHOPS.map((c, i) => oneEcho(`9.5.${i + 1}`, 1, textPattern, 1 * MiB, { chopsize: c, waitSecs: 1000 })),
  ...CHOPS.map((c, i) => oneEcho(`9.6.${i + 1}`, 2, binaryPattern, 1 * MiB, { chopsize: c, waitSecs: 1000 })),
  ...ROUND_TRIPS.map(([len, wait], i) => roundTrips(`9.7.${i + 1}`, false, len, 1000, wait)),
  ...ROUND_TRIPS.map(([len, wait], i) => roundTrips(`9.8.${i + 1}`, true, len, 1000, wait)),
];
