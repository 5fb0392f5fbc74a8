// @ts-check
// 5.x Fragmentation: fragmented control frames and continuation misuse fail with 1002; pings
// between fragments are answered; a message split with delays is reassembled.
import { Buffer } from 'node:buffer';
import { Case } from '../case.mjs';
import { SERVER_FAILS_1002, WE_CLOSE, bytes, framesCase, message, pong } from '../case-builders.mjs';

const f = (/** @type {string} */ s) => bytes(s);
const frag12 = Buffer.concat([f('fragment1'), f('fragment2')]);
const pingPayload = f('ping payload');

/** @param {{ sync?: boolean, chopsize?: number }} how */
const fragmentsThenClose = (/** @type {string} */ id, how) =>
  framesCase(id, {
    expected: { OK: [message(frag12, false)] }, close: WE_CLOSE,
    frames: [{ opcode: 1, fin: false, payload: f('fragment1'), ...how }, { opcode: 0, fin: true, payload: f('fragment2'), ...how }],
    then: { close: 1 },
  });

/** @param {{ sync?: boolean, chopsize?: number }} how */
const pingBetween = (/** @type {string} */ id, how) =>
  framesCase(id, {
    expected: { OK: [pong(pingPayload), message(frag12, false)] }, close: WE_CLOSE,
    frames: [
      { opcode: 1, fin: false, payload: f('fragment1'), ...how },
      { opcode: 9, fin: true, payload: pingPayload, ...how },
      { opcode: 0, fin: true, payload: f('fragment2'), ...how },
    ],
    then: { close: 1 },
  });

/** @param {boolean} fin @param {{ sync?: boolean, chopsize?: number }} how */
const continuationFirst = (/** @type {string} */ id, fin, how) =>
  framesCase(id, {
    expected: { OK: [] }, close: SERVER_FAILS_1002,
    frames: [{ opcode: 0, fin, payload: f('non-continuation payload'), ...how }, { opcode: 1, fin: true, payload: f('Hello, world!'), ...how }],
    then: { kill: 1 },
  });

/** @param {boolean} firstFin */
const twiceBadSequence = (/** @type {string} */ id, firstFin) => {
  const round = [
    { opcode: 0, fin: firstFin, payload: f('fragment1') },
    { opcode: 1, fin: false, payload: f('fragment2') },
    { opcode: 0, fin: true, payload: f('fragment3') },
  ];
  return framesCase(id, { expected: { OK: [] }, close: SERVER_FAILS_1002, frames: [...round, ...round], then: { kill: 1 } });
};

/** 5.19/5.20: fragments and pings with a 1 s pause in the middle of the message. @param {boolean} sync */
const withPause = (/** @type {string} */ id, sync) => ({
  id,
  /** @param {import('../fuzzing-session.mjs').FuzzingSession} p */
  make: (p) =>
    new (class extends Case {
      onOpen() {
        const frags = [1, 2, 3, 4, 5].map((i) => f(`fragment${i}`));
        const pings = [f('pongme 1!'), f('pongme 2!')];
        this.expected.set('OK', [pong(pings[0]), pong(pings[1]), message(Buffer.concat(frags), false)]);
        this.expectedClose = { ...WE_CLOSE };
        this.p.sendFrame({ opcode: 1, fin: false, payload: frags[0], sync });
        this.p.sendFrame({ opcode: 0, fin: false, payload: frags[1], sync });
        this.p.sendFrame({ opcode: 9, fin: true, payload: pings[0], sync });
        this.p.continueLater(1, () => {
          this.p.sendFrame({ opcode: 0, fin: false, payload: frags[2], sync });
          this.p.sendFrame({ opcode: 0, fin: false, payload: frags[3], sync });
          this.p.sendFrame({ opcode: 9, fin: true, payload: pings[1], sync });
          this.p.sendFrame({ opcode: 0, fin: true, payload: frags[4], sync });
          this.p.closeAfter(1);
        });
      }
    })(p),
  exclusive: false,
});

export const section5 = [
  framesCase('5.1', { expected: { OK: [] }, close: SERVER_FAILS_1002, frames: [{ opcode: 9, fin: false, payload: f('fragment1') }, { opcode: 0, fin: true, payload: f('fragment2') }], then: { kill: 1 } }),
  framesCase('5.2', { expected: { OK: [] }, close: SERVER_FAILS_1002, frames: [{ opcode: 10, fin: false, payload: f('fragment1') }, { opcode: 0, fin: true, payload: f('fragment2') }], then: { kill: 1 } }),
  fragmentsThenClose('5.3', {}),
  fragmentsThenClose('5.4', { sync: true }),
  fragmentsThenClose('5.5', { chopsize: 1 }),
  pingBetween('5.6', {}),
  pingBetween('5.7', { sync: true }),
  pingBetween('5.8', { chopsize: 1 }),
  continuationFirst('5.9', true, {}),
  continuationFirst('5.10', true, { sync: true }),
  continuationFirst('5.11', true, { chopsize: 1 }),
  continuationFirst('5.12', false, {}),
  continuationFirst('5.13', false, { sync: true }),
  continuationFirst('5.14', false, { chopsize: 1 }),
  framesCase('5.15', {
    expected: { OK: [message(frag12, false)], 'NON-STRICT': [] }, close: SERVER_FAILS_1002,
    frames: [
      { opcode: 1, fin: false, payload: f('fragment1') }, { opcode: 0, fin: true, payload: f('fragment2') },
      { opcode: 0, fin: false, payload: f('fragment3') }, { opcode: 1, fin: true, payload: f('fragment4') },
    ],
    then: { kill: 1 },
  }),
  twiceBadSequence('5.16', false),
  twiceBadSequence('5.17', true),
  framesCase('5.18', { expected: { OK: [] }, close: SERVER_FAILS_1002, frames: [{ opcode: 1, fin: false, payload: f('fragment1') }, { opcode: 1, fin: true, payload: f('fragment2') }], then: { kill: 1 } }),
  withPause('5.19', false),
  withPause('5.20', true),
];
