// @ts-check
// 6.x UTF-8 handling: empty fragments (6.1), valid text however fragmented (6.2), invalid text
// (6.3), fail-fast within a message sent in delayed parts (6.4), and the decoder test sequences
// (6.5 onwards).
import { Buffer } from 'node:buffer';
import { Case } from '../case.mjs';
import { SERVER_FAILS_1007, WE_CLOSE, bytes, framesCase, message } from '../case-builders.mjs';
import { UTF8_GROUPS } from '../utf8-sequences.mjs';

const utf8 = (/** @type {string} */ s) => Buffer.from(s, 'utf8');
const hex = (/** @type {string} */ h) => Buffer.from(h, 'hex');
const KOSME = hex('cebae1bdb9cf83cebcceb5');
const SURROGATE_TEXT = Buffer.concat([KOSME, hex('eda080'), hex('656469746564')]);
const FAIL_FAST_TEXT = Buffer.concat([KOSME, hex('f4908080'), hex('656469746564')]);

/**
 * A text message sent with sendMessage (optionally fragmented), closed or killed after a delay.
 * @param {string} id @param {Buffer} payload @param {boolean} valid @param {number | undefined} fragmentSize @param {{ kill: number } | { close: number }} then
 */
const textMessage = (id, payload, valid, fragmentSize, then) => ({
  id,
  /** @param {import('../fuzzing-session.mjs').FuzzingSession} p */
  make: (p) =>
    new (class extends Case {
      onOpen() {
        this.expected.set('OK', valid ? [message(payload, false)] : []);
        this.expectedClose = valid ? { ...WE_CLOSE } : { ...SERVER_FAILS_1007 };
        this.p.sendMessage(payload, false, fragmentSize);
        if ('kill' in then) this.p.killAfter(then.kill);
        else this.p.closeAfter(then.close);
      }
    })(p),
});

/**
 * 6.4.x: a text message in three parts 1 s apart; the server must fail on the part with the
 * invalid byte (OK) or at the latest at the end (NON-STRICT).
 * @param {string} id @param {Buffer[]} parts @param {boolean} oneFrame  parts are pieces of one frame (6.4.3/4), not frames
 */
const failFast = (id, parts, oneFrame) => ({
  id,
  /** @param {import('../fuzzing-session.mjs').FuzzingSession} p */
  make: (p) =>
    new (class extends Case {
      onOpen() {
        this.expected.set('OK', [['timeout', 'A']]);
        this.expected.set('NON-STRICT', [['timeout', 'A'], ['timeout', 'B']]);
        this.expectedClose = { ...SERVER_FAILS_1007 };
        if (oneFrame) {
          this.p.beginMessageFrame(FAIL_FAST_TEXT.length);
          this.p.sendMessageFrameData(parts[0]);
        } else this.p.sendFrame({ opcode: 1, fin: false, payload: parts[0] });
        this.p.continueLater(1, () => {
          if (this.p.state !== 'OPEN') return;
          this.received.push(['timeout', 'A']);
          if (oneFrame) this.p.sendMessageFrameData(parts[1]);
          else this.p.sendFrame({ opcode: 0, fin: false, payload: parts[1] });
          this.p.continueLater(1, () => {
            if (this.p.state !== 'OPEN') return;
            this.received.push(['timeout', 'B']);
            if (oneFrame) this.p.sendMessageFrameData(parts[2]);
            else this.p.sendFrame({ opcode: 0, fin: true, payload: parts[2] });
            this.p.killAfter(1);
          });
        });
      }
    })(p),
});

const byCodePoint = [KOSME.subarray(0, 11), FAIL_FAST_TEXT.subarray(11, 15), FAIL_FAST_TEXT.subarray(15)];
const byByte = [FAIL_FAST_TEXT.subarray(0, 12), FAIL_FAST_TEXT.subarray(12, 13), FAIL_FAST_TEXT.subarray(13)];

/** @type {import('../case-builders.mjs').CaseEntry[]} */
const sequences = [];
UTF8_GROUPS.forEach((group, g) => {
  group.sequences.forEach(([valid, h], i) => {
    sequences.push(textMessage(`6.${g + 5}.${i + 1}`, hex(h), valid, undefined, { kill: 0.5 }));
  });
});

export const section6 = [
  framesCase('6.1.1', { expected: { OK: [message(bytes(''), false)] }, close: WE_CLOSE, frames: [{ opcode: 1, payload: bytes('') }], then: { close: 1 } }),
  framesCase('6.1.2', {
    expected: { OK: [message(bytes(''), false)] }, close: WE_CLOSE,
    frames: [{ opcode: 1, fin: false }, { opcode: 0, fin: false }, { opcode: 0, fin: true }], then: { close: 1 },
  }),
  framesCase('6.1.3', {
    expected: { OK: [message(bytes('middle frame payload'), false)] }, close: WE_CLOSE,
    frames: [{ opcode: 1, fin: false }, { opcode: 0, fin: false, payload: bytes('middle frame payload') }, { opcode: 0, fin: true }], then: { close: 1 },
  }),
  textMessage('6.2.1', utf8('Hello-µ@ßöäüàá-UTF-8!!'), true, undefined, { close: 1 }),
  framesCase('6.2.2', {
    expected: { OK: [message(utf8('Hello-µ@ßöäüàá-UTF-8!!'), false)] }, close: WE_CLOSE,
    frames: [{ opcode: 1, fin: false, payload: utf8('Hello-µ@ßöä') }, { opcode: 0, fin: true, payload: utf8('üàá-UTF-8!!') }], then: { close: 1 },
  }),
  textMessage('6.2.3', utf8('Hello-µ@ßöäüàá-UTF-8!!'), true, 1, { close: 1 }),
  textMessage('6.2.4', KOSME, true, 1, { close: 1 }),
  textMessage('6.3.1', SURROGATE_TEXT, false, undefined, { kill: 1 }),
  textMessage('6.3.2', SURROGATE_TEXT, false, 1, { kill: 1 }),
  failFast('6.4.1', byCodePoint, false),
  failFast('6.4.2', byByte, false),
  failFast('6.4.3', byCodePoint, true),
  failFast('6.4.4', byByte, true),
  ...sequences,
];
