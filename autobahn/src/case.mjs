// @ts-check
// A case: what it sends (onOpen and its own callbacks), what it expects, and the verdict rules
// of the suite. `behavior` compares the events received with each expected list; the close
// verdict compares the session's close flags with `expectedClose`.
import { Buffer } from 'node:buffer';
import { FAILED, FAILED_BY_CLIENT, OK, UNCLEAN, WRONG_CODE } from './verdicts.mjs';

/**
 * An event the case records: a message (payload, binary), a pong, or a timeout marker a case
 * adds itself when a delayed step runs.
 * @typedef {['message', Buffer, boolean] | ['pong', Buffer] | ['timeout', string]} CaseEvent
 */

/**
 * @typedef {object} ExpectedClose
 * @property {boolean} closedByMe   true: we start the closing handshake; false: the server fails it
 * @property {number[]} closeCode   codes the server may send
 * @property {boolean} requireClean
 * @property {boolean} [closedByWrongEndpointIsFatal]  the behaviour fails too (UTF-8 cases)
 */

/** @param {CaseEvent[]} a @param {CaseEvent[]} b */
export function sameEvents(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.length !== y.length || x[0] !== y[0]) return false;
    for (let k = 1; k < x.length; k++) {
      const u = x[k];
      const v = y[k];
      if (Buffer.isBuffer(u) && Buffer.isBuffer(v)) {
        if (!u.equals(v)) return false;
      } else if (u !== v) return false;
    }
  }
  return true;
}

export class Case {
  /** @param {import('./fuzzing-session.mjs').FuzzingSession} p */
  constructor(p) {
    this.p = p;
    /** @type {CaseEvent[]} */
    this.received = [];
    /** @type {Map<string, CaseEvent[]>} verdict → events; the first match wins */
    this.expected = new Map();
    /** @type {ExpectedClose} */
    this.expectedClose = { closedByMe: true, closeCode: [1000], requireClean: true };
    this.behavior = FAILED;
    this.behaviorClose = FAILED;
    this.result = 'Actual events differ from any expected.';
    this.resultClose = 'TCP connection was dropped without close handshake';
    /** Cases that send bad close frames on purpose do not close on a match. */
    this.suppressClose = false;
    this.init();
  }

  init() {}

  onOpen() {}

  /** @param {Buffer} payload @param {boolean} binary */
  onMessage(payload, binary) {
    this.received.push(['message', payload, binary]);
    this.finishWhenDone();
  }

  /** @param {Buffer} payload */
  onPong(payload) {
    this.received.push(['pong', payload]);
    this.finishWhenDone();
  }

  /** Closes as soon as the events match every expected list (the suite's rule, verbatim). */
  finishWhenDone() {
    for (const events of this.expected.values()) if (!sameEvents(this.received, events)) return;
    if (this.expectedClose.closedByMe && !this.suppressClose) this.p.sendClose(this.expectedClose.closeCode[0]);
  }

  onConnectionLost() {
    for (const [verdict, events] of this.expected) {
      if (sameEvents(this.received, events)) {
        this.behavior = verdict;
        this.result = 'Actual events match at least one expected.';
        break;
      }
    }
    const p = this.p;
    const ec = this.expectedClose;
    if (!p.connectionWasOpen) {
      this.behaviorClose = FAILED;
      this.resultClose = 'The WebSocket opening handshake was never completed!';
      return;
    }
    if (ec.closedByMe !== p.closedByMe) {
      this.behaviorClose = FAILED;
      this.resultClose = 'The connection was failed by the wrong endpoint';
    } else if (ec.requireClean && !p.wasClean) {
      this.behaviorClose = UNCLEAN;
      this.resultClose = 'The spec requires the connection to be failed cleanly here';
    } else if (p.remoteCloseCode !== null && !ec.closeCode.includes(p.remoteCloseCode)) {
      this.behaviorClose = WRONG_CODE;
      this.resultClose = `The close code should have been ${ec.closeCode.join(',')} or empty`;
    } else if (!p.isServer && p.droppedByMe) {
      // The server should close TCP first (RFC 6455 §7.1.1); as a client we had to.
      this.behaviorClose = FAILED_BY_CLIENT;
      this.resultClose = 'It is preferred that the server close the TCP connection';
    } else {
      this.behaviorClose = OK;
      this.resultClose = 'Connection was properly closed';
    }
    // For UTF-8 cases, the wrong endpoint closing means the server never noticed the bad text.
    if (ec.closedByWrongEndpointIsFatal && ec.closedByMe !== p.closedByMe) this.behavior = FAILED;
  }
}

/** Close-handling cases: a wrong close code also fails the behaviour. */
export class CloseCase extends Case {
  onConnectionLost() {
    super.onConnectionLost();
    if (this.behaviorClose === WRONG_CODE) {
      this.behavior = FAILED;
      this.result = this.resultClose;
    }
  }
}
