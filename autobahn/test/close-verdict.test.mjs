// The close-behaviour rules of the suite, on a session whose flags the test sets.
import { describe, expect, it } from 'vitest';
import { Case, CloseCase } from '../src/case.mjs';

/** @param {Partial<Record<string, unknown>>} flags */
const session = (flags) => /** @type {any} */ ({ isServer: false, connectionWasOpen: true, closedByMe: true, wasClean: true, droppedByMe: false, remoteCloseCode: 1000, ...flags });

/** @param {any} flags @param {any} expectedClose @param {typeof Case} [Kind] */
function judge(flags, expectedClose, Kind = Case) {
  const c = new Kind(session(flags));
  c.expected.set('OK', []);
  c.expectedClose = expectedClose;
  c.onConnectionLost();
  return [c.behavior, c.behaviorClose];
}

const weClose = { closedByMe: true, closeCode: [1000], requireClean: true };
const serverFails = { closedByMe: false, closeCode: [1002], requireClean: false };

describe('close verdicts', () => {
  it('OK when the right side closes cleanly with an allowed code', () => {
    expect(judge({}, weClose)).toEqual(['OK', 'OK']);
    expect(judge({ closedByMe: false, remoteCloseCode: 1002, wasClean: true }, serverFails)).toEqual(['OK', 'OK']);
  });
  it('FAILED when the wrong side closed', () => {
    expect(judge({ closedByMe: true }, serverFails)).toEqual(['OK', 'FAILED']);
  });
  it('UNCLEAN when a clean close was required', () => {
    expect(judge({ wasClean: false }, weClose)).toEqual(['OK', 'UNCLEAN']);
  });
  it('WRONG CODE, which also fails a close-handling case', () => {
    expect(judge({ remoteCloseCode: 1001 }, weClose)).toEqual(['OK', 'WRONG CODE']);
    expect(judge({ remoteCloseCode: 1001 }, weClose, CloseCase)).toEqual(['FAILED', 'WRONG CODE']);
  });
  it('FAILED BY CLIENT when the fuzzer had to drop TCP', () => {
    expect(judge({ droppedByMe: true }, weClose)).toEqual(['OK', 'FAILED BY CLIENT']);
  });
  it('UTF-8 cases fail the behaviour when the wrong side closed', () => {
    expect(judge({ closedByMe: true }, { ...serverFails, closeCode: [1007], closedByWrongEndpointIsFatal: true })).toEqual(['FAILED', 'FAILED']);
  });
  it('close FAILED when the opening handshake never completed', () => {
    expect(judge({ connectionWasOpen: false }, weClose)).toEqual(['OK', 'FAILED']);
  });
});
