import { describe, expect, it } from 'vitest';
import {
  afterCloseReceived,
  afterCloseSent,
  afterFailure,
  checkCloseArguments,
  CLOSE_FAILED,
  CLOSE_RECEIVED,
  CLOSE_SENT,
  closeReplyPayload,
  closeStateOf,
  readClosePayload,
  sendingEnded,
  transportShouldClose,
} from '../src/close-handshake.js';
import { ProtocolError } from '../src/errors.js';

/** Bits the connection keeps for itself in the same integer: the transitions must leave them alone. */
const OTHER_BITS = 8 | (3 << 6);

describe('close handshake transitions', () => {
  it('OPEN → CLOSING when we send a close, then CLOSED when the peer answers', () => {
    let flags = 0;
    expect(closeStateOf(flags)).toBe('open');
    expect(sendingEnded(flags)).toBe(false);
    flags = afterCloseSent(flags);
    expect(closeStateOf(flags)).toBe('closing');
    expect(sendingEnded(flags)).toBe(true);
    expect(transportShouldClose(flags, 'server')).toBe(false);
    flags = afterCloseReceived(flags);
    expect(closeStateOf(flags)).toBe('closed');
    expect(flags & (CLOSE_SENT | CLOSE_RECEIVED | CLOSE_FAILED)).toBe(CLOSE_SENT | CLOSE_RECEIVED);
    expect(transportShouldClose(flags, 'server')).toBe(true);
    expect(transportShouldClose(flags, 'client')).toBe(false);
  });

  it('OPEN → CLOSED when the peer closes first (our answer counts as sent)', () => {
    const flags = afterCloseReceived(0);
    expect(closeStateOf(flags)).toBe('closed');
    expect(flags & CLOSE_SENT).toBe(CLOSE_SENT);
    expect(sendingEnded(flags)).toBe(true);
  });

  it('a failure closes at once and asks either role to close the transport', () => {
    const withClose = afterFailure(0, true);
    expect(closeStateOf(withClose)).toBe('closed');
    expect(withClose & (CLOSE_SENT | CLOSE_FAILED)).toBe(CLOSE_SENT | CLOSE_FAILED);
    expect(transportShouldClose(withClose, 'client')).toBe(true);
    const eof = afterFailure(0, false);
    expect(eof & CLOSE_SENT).toBe(0);
    expect(sendingEnded(eof)).toBe(true);
  });

  it('leaves the connection’s other bits alone', () => {
    expect(afterCloseSent(OTHER_BITS) & OTHER_BITS).toBe(OTHER_BITS);
    expect(afterCloseReceived(OTHER_BITS) & OTHER_BITS).toBe(OTHER_BITS);
    expect(afterFailure(OTHER_BITS, true) & OTHER_BITS).toBe(OTHER_BITS);
    expect(closeStateOf(OTHER_BITS)).toBe('open');
  });
});

describe('close payloads', () => {
  it('reads an empty payload as 1005 and a code with its reason', () => {
    expect(readClosePayload(new Uint8Array(0), false)).toEqual({ code: 1005, reason: '' });
    expect(readClosePayload(Uint8Array.from([0x03, 0xe8, 0x6f, 0x6b]), false)).toEqual({ code: 1000, reason: 'ok' });
  });

  it('returns the error to fail with for a 1-byte payload, a bad code or bad UTF-8', () => {
    const oneByte = readClosePayload(Uint8Array.from([0x03]), false) as ProtocolError;
    expect(oneByte).toBeInstanceOf(ProtocolError);
    expect([oneByte.code, oneByte.closeCode]).toEqual(['WS_ERR_INVALID_CLOSE_PAYLOAD', 1002]);
    const reserved = readClosePayload(Uint8Array.from([0x03, 0xee]), false) as ProtocolError; // 1006
    expect([reserved.code, reserved.closeCode, reserved.message]).toEqual(['WS_ERR_INVALID_CLOSE_CODE', 1002, 'invalid close code 1006']);
    const badUtf8 = readClosePayload(Uint8Array.from([0x03, 0xe8, 0xff]), false) as ProtocolError;
    expect([badUtf8.code, badUtf8.closeCode]).toEqual(['WS_ERR_INVALID_UTF8', 1007]);
    expect(readClosePayload(Uint8Array.from([0x03, 0xe8, 0xff]), true)).not.toBeInstanceOf(ProtocolError);
  });

  it('answers with the code alone, an empty close for an empty one, or the whole payload when echoing', () => {
    const peer = Uint8Array.from([0x0f, 0xa0, 0x62, 0x79, 0x65]); // 4000 "bye"
    expect([...closeReplyPayload(peer, 4000, false)]).toEqual([0x0f, 0xa0]);
    const echoed = closeReplyPayload(peer, 4000, true);
    expect([...echoed]).toEqual([...peer]);
    expect(echoed).not.toBe(peer);
    expect(closeReplyPayload(new Uint8Array(0), 1005, true).length).toBe(0);
  });

  it('checks the arguments of a close we start', () => {
    expect(() => checkCloseArguments(undefined, 'why')).toThrow(TypeError);
    expect(() => checkCloseArguments(1005, '')).toThrow('invalid close code 1005');
    expect(() => checkCloseArguments(1000, 'x'.repeat(124))).toThrow('close reason longer than 123 bytes');
    expect(() => checkCloseArguments(1000, 'x'.repeat(123))).not.toThrow();
    expect(() => checkCloseArguments(undefined, '')).not.toThrow();
  });
});
