// @ts-check
// 10.1.1: a 64 KiB text message that the fuzzer auto-fragments into 1300-byte frames must come
// back whole. (The suite also checks its own frame count, which holds by construction here.)
import { Case } from '../case.mjs';
import { WE_CLOSE, fill, message } from '../case-builders.mjs';
import { FAILED } from '../verdicts.mjs';

const FRAGMENT = 1300;

export const section10 = [
  {
    id: '10.1.1',
    /** @param {import('../fuzzing-session.mjs').FuzzingSession} p */
    make: (p) =>
      new (class extends Case {
        payload = fill(0x2a, 65536);
        onOpen() {
          this.p.autoFragmentSize = FRAGMENT;
          this.expected.set('OK', [message(this.payload, false)]);
          this.expectedClose = { ...WE_CLOSE };
          this.p.sendMessage(this.payload, false);
          this.p.killAfter(10);
        }
        onConnectionLost() {
          super.onConnectionLost();
          const want = [Math.floor(this.payload.length / FRAGMENT), this.payload.length % FRAGMENT > 0 ? 1 : 0];
          if (!this.p.connectionWasOpen || this.p.txFrameStats[0] !== want[0] || this.p.txFrameStats[1] !== want[1]) this.behavior = FAILED;
        }
      })(p),
  },
];
