// @ts-check
// 7.x Close handling: data after close is ignored (7.1), close payload lengths (7.3), an invalid
// UTF-8 reason (7.5), valid (7.7) and invalid (7.9) codes on the wire, undefined codes (7.13).
// In these cases a wrong close code from the server also fails the behaviour.
import { Buffer } from 'node:buffer';
import { Case, CloseCase } from '../case.mjs';
import { bytes, message } from '../case-builders.mjs';
import { INFORMATIONAL } from '../verdicts.mjs';

const hello = bytes('Hello World!');
const BAD_REASON = Buffer.from('cebae1bdb9cf83cebcceb5eda080656469746564', 'hex');

/**
 * @param {string} id
 * @param {(c: Case) => void} open  sends the case's frames and sets its expectations
 * @param {typeof Case} [Base]
 * @returns {import('../case-builders.mjs').CaseEntry}
 */
const closeCase = (id, open, Base = CloseCase) => ({
  id,
  make: (p) =>
    new (class extends Base {
      init() {
        this.suppressClose = true;
      }
      onOpen() {
        open(this);
      }
    })(p),
});

/** The server answers our close; nothing else may come back. @param {number[]} codes @param {boolean} clean */
const expectClose = (/** @type {Case} */ c, codes, clean) => {
  c.expected.set('OK', []);
  c.expectedClose = { closedByMe: true, closeCode: codes, requireClean: clean };
};

/** 7.1.6 and 7.13.x are informational: recorded, never failing. */
class InformationalCase extends Case {
  onConnectionLost() {
    super.onConnectionLost();
    this.behavior = INFORMATIONAL;
    this.behaviorClose = INFORMATIONAL;
  }
}

const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];

export const section7 = [
  {
    id: '7.1.1',
    /** @param {import('../fuzzing-session.mjs').FuzzingSession} p */
    make: (p) =>
      new (class extends CloseCase {
        onOpen() {
          this.expected.set('OK', [message(hello, false)]);
          this.expectedClose = { closedByMe: true, closeCode: [1000], requireClean: true };
          this.p.sendFrame({ opcode: 1, payload: hello });
          this.p.killAfter(1);
        }
      })(p),
  },
  closeCase('7.1.2', (c) => {
    expectClose(c, [1000], true);
    c.p.sendClose(1000);
    c.p.sendFrame({ opcode: 8 });
    c.p.killAfter(1);
  }),
  closeCase('7.1.3', (c) => {
    expectClose(c, [1000], true);
    c.p.sendClose(1000);
    c.p.sendFrame({ opcode: 9 });
    c.p.killAfter(1);
  }),
  closeCase('7.1.4', (c) => {
    expectClose(c, [1000], true);
    c.p.sendClose(1000);
    c.p.sendFrame({ opcode: 1, payload: hello });
    c.p.killAfter(1);
  }),
  closeCase('7.1.5', (c) => {
    expectClose(c, [1000], true);
    c.p.sendFrame({ opcode: 1, fin: false, payload: bytes('fragment1') });
    c.p.sendClose(1000);
    c.p.sendFrame({ opcode: 0, fin: true, payload: bytes('fragment2') });
    c.p.killAfter(1);
  }),
  closeCase(
    '7.1.6',
    (c) => {
      c.expected.set('OK', [message(hello, false)]);
      c.expected.set('NON-STRICT', []);
      c.expectedClose = { closedByMe: true, closeCode: [1000], requireClean: true };
      c.p.sendFrame({ opcode: 1, payload: bytes('BAsd7&jh23'), payloadLen: 256 * 1024 });
      c.p.sendFrame({ opcode: 1, payload: hello });
      c.p.sendClose(1000);
      c.p.sendFrame({ opcode: 9 });
      c.p.killAfter(1);
    },
    InformationalCase,
  ),
  closeCase('7.3.1', (c) => {
    expectClose(c, [1000], true);
    c.p.sendCloseFrame();
    c.p.killAfter(1);
  }),
  closeCase('7.3.2', (c) => {
    expectClose(c, [1002], false);
    c.p.sendCloseFrame(null, bytes('a'));
    c.p.killAfter(1);
  }),
  closeCase('7.3.3', (c) => {
    expectClose(c, [1000], true);
    c.p.sendClose(1000);
    c.p.killAfter(1);
  }),
  closeCase('7.3.4', (c) => {
    expectClose(c, [1000], true);
    c.p.sendClose(1000, 'Hello World!');
    c.p.killAfter(1);
  }),
  closeCase('7.3.5', (c) => {
    expectClose(c, [1000], true);
    c.p.sendClose(1000, '*'.repeat(123));
    c.p.killAfter(1);
  }),
  closeCase('7.3.6', (c) => {
    expectClose(c, [1002], false);
    c.p.sendCloseFrame(1000, Buffer.alloc(124, 0x2a));
    c.p.killAfter(1);
  }),
  closeCase('7.5.1', (c) => {
    expectClose(c, [1002, 1007], false);
    c.p.sendCloseFrame(1000, BAD_REASON);
    c.p.killAfter(1);
  }),
  ...VALID_CODES.map((code, i) =>
    closeCase(`7.7.${i + 1}`, (c) => {
      expectClose(c, [1000, code], true);
      c.p.sendCloseFrame(code);
      c.p.killAfter(1);
    }),
  ),
  ...INVALID_CODES.map((code, i) =>
    closeCase(`7.9.${i + 1}`, (c) => {
      expectClose(c, [1002], false);
      c.p.sendCloseFrame(code);
      c.p.killAfter(1);
    }),
  ),
  ...[5000, 65535].map((code, i) =>
    closeCase(
      `7.13.${i + 1}`,
      (c) => {
        expectClose(c, [1000, code, 1002], false);
        c.p.sendCloseFrame(code);
        c.p.killAfter(1);
      },
      InformationalCase,
    ),
  ),
];
