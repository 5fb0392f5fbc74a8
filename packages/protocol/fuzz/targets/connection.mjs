// A Connection in one role fed a peer's bytes. Input: two config bytes, then the bytes.
//   byte 0: bit 0 permessage-deflate, bit 1 server_no_context_takeover, bit 2
//           client_no_context_takeover, bits 3-5 server window bits - 8, bits 6-7 the variant;
//   byte 1: bits 0-2 client window bits - 8, bits 3-7 the chunk seed (see chunkCuts).
// Variants: 0 defaults (16 fragments at most); 1 a 300-byte message limit, 4 fragments, no
// auto-pong; 2 we sent a close first (CLOSING), echoCloseReason; 3 the chunked run uses a
// handler with reused message buffers instead of the event list.
//
// The input is fed whole to one connection and in the chunks of its seed to another; both must
// report the same events and send the same frames (a state kept wrongly across a read boundary
// shows up as a difference), and each must obey the rules checked in `checkRun`.
import { isUtf8 } from 'node:buffer';
import { isDeepStrictEqual } from 'node:util';
import { chunkCuts, pieces } from '../lib/chunks.mjs';
import { check, checkEqual } from '../lib/check.mjs';
import { decodeFrames } from '../lib/wire.mjs';

const MAX_PAYLOAD = 64 * 1024;
const SMALL_MESSAGE = 300;
/** Sent after a close, to check that a closed connection ignores what follows. */
const AFTER_CLOSE = [0x81, 0x80, 1, 2, 3, 4, 0x89, 0x80, 1, 2, 3, 4];
/** The widest DEFLATE window: a raw inflater with it decodes a stream made with any window. */
const WIDEST_WINDOW_BITS = 15;

/** Reads the config bytes. */
export function connectionConfig(input) {
  const b0 = input[0] ?? 0;
  const b1 = input[1] ?? 0;
  const deflate =
    (b0 & 1) === 0
      ? undefined
      : {
          serverNoContextTakeover: (b0 & 2) !== 0,
          clientNoContextTakeover: (b0 & 4) !== 0,
          serverMaxWindowBits: 8 + ((b0 >> 3) & 7),
          clientMaxWindowBits: 8 + (b1 & 7),
        };
  return { deflate, variant: b0 >> 6, chunkSeed: b1 >> 3 };
}

/** Events as plain values; byte views copied at once (they may point into reused input). */
function eventOf(e) {
  switch (e.type) {
    case 'message':
      return { type: 'message', binary: e.binary, data: Buffer.from(e.data) };
    case 'ping':
    case 'pong':
      return { type: e.type, data: Buffer.from(e.data) };
    case 'close':
      return { type: 'close', code: e.code, reason: e.reason, wasClean: e.wasClean };
    default:
      return { type: 'error', code: e.error.code, closeCode: e.error.closeCode, error: e.error };
  }
}

/** Feeds `chunks` to a fresh connection; returns its events, the frames it sent and its state. */
function drive(codec, role, config, chunks, useHandler) {
  const { variant, deflate } = config;
  const events = [];
  const options = {
    role,
    deflate,
    compression: config.widestInflater ? widestInflaterOf(codec) : undefined,
    maxPayloadLength: MAX_PAYLOAD,
    maxMessageLength: config.maxMessage ?? (variant === 1 ? SMALL_MESSAGE : MAX_PAYLOAD),
    maxFragments: variant === 1 ? 4 : 16,
    autoPong: variant !== 1,
    echoCloseReason: variant === 2,
  };
  if (useHandler) {
    options.reuseMessageBuffers = true;
    options.handler = {
      onMessage: (data, binary) => events.push({ type: 'message', binary, data: Buffer.from(data) }),
      onPing: (data) => events.push({ type: 'ping', data: Buffer.from(data) }),
      onPong: (data) => events.push({ type: 'pong', data: Buffer.from(data) }),
      onClose: (code, reason, wasClean) => events.push({ type: 'close', code, reason, wasClean }),
      onError: (error) => events.push(eventOf({ type: 'error', error })),
    };
  }
  const conn = new codec.Connection(options);
  const sent = [];
  if (variant === 2) conn.close(1000, 'going');
  const collect = (list) => {
    for (const e of list) events.push(eventOf(e));
    for (const out of conn.takeOutgoing()) sent.push(out);
  };
  for (const chunk of chunks) collect(conn.receive(chunk));
  const stateBeforeEof = conn.state;
  const eventsBeforeEof = events.length;
  if (stateBeforeEof === 'closed') {
    collect(conn.receive(new Uint8Array(AFTER_CLOSE)));
    check(events.length === eventsBeforeEof, 'a closed connection reported events for more input');
  }
  collect(conn.receiveEof());
  return { events, sent, stateBeforeEof, eventsBeforeEof, closeCode: conn.closeCode, shouldCloseTransport: conn.shouldCloseTransport };
}

/** `bytes` fed in the chunks of the config's seed (variant 3: to a handler with reused buffers). */
function driveChunked(codec, role, config, bytes) {
  return drive(codec, role, config, pieces(bytes, chunkCuts(config.chunkSeed, bytes.length)), config.variant === 3);
}

/** Index of the first event that differs between two event lists, or -1. */
function firstDifference(a, b) {
  return a.findIndex((e, k) => JSON.stringify(e) !== JSON.stringify(b[k]));
}

/** The rules every run must obey, whatever the input. */
function checkRun(codec, role, config, run) {
  const { events, stateBeforeEof, eventsBeforeEof } = run;
  const maxMessage = config.variant === 1 ? SMALL_MESSAGE : MAX_PAYLOAD;
  let closed = false;
  const pings = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    check(!closed, () => `event ${e.type} after the close event`);
    if (e.type === 'message') {
      check(e.data.length <= maxMessage, () => `a message of ${e.data.length} bytes passed the ${maxMessage}-byte limit`);
      check(e.binary || isUtf8(e.data), 'a text message that is not UTF-8 was delivered');
      check(config.variant !== 2, 'a data message was delivered after our close (deliverWhileClosing is off)');
    } else if (e.type === 'ping' || e.type === 'pong') {
      check(e.data.length <= 125, 'a control payload over 125 bytes was delivered');
      if (e.type === 'ping') pings.push(e.data);
    } else if (e.type === 'error') {
      check(e.error instanceof codec.ProtocolError, 'the error event is not a ProtocolError');
      check([1002, 1007, 1009].includes(e.closeCode), () => `a failure with close code ${e.closeCode}`);
      const next = events[i + 1];
      check(next?.type === 'close' && next.code === e.closeCode && !next.wasClean, 'an error event not followed by its unclean close');
    } else {
      closed = true;
      if (e.wasClean) check(e.code === 1005 || codec.isValidWireCloseCode(e.code), () => `a clean close with code ${e.code}`);
      else check(events[i - 1]?.type === 'error' || (e.code === 1006 && i >= eventsBeforeEof), () => `an unclean close ${e.code} without an error or EOF`);
    }
  }
  check(closed, 'no close event after EOF');
  check(run.closeCode === events.find((e) => e.type === 'close').code, 'closeCode differs from the close event');
  const failed = events.some((e) => e.type === 'error');
  if (failed) check(run.shouldCloseTransport, 'shouldCloseTransport is false after a protocol error');
  if (stateBeforeEof === 'closed') check(events.slice(0, eventsBeforeEof).some((e) => e.type === 'close'), 'state closed without a close event');

  // What the codec sent on its own: pongs (for the pings, in order), then at most one close, last.
  const { frames, rest } = decodeFrames(Buffer.concat(run.sent));
  check(rest === 0, 'the codec sent a partial frame');
  let pongs = 0;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    check(f.masked === (role === 'client'), 'a frame with the wrong masking for the role');
    check(f.fin && f.rsv === 0, 'a control frame sent fragmented or with RSV bits');
    check(f.opcode === 0x8 || f.opcode === 0xa, () => `the codec sent opcode ${f.opcode} on its own`);
    if (f.opcode === 0xa) {
      check(config.variant !== 1 && config.variant !== 2, 'a pong without auto-pong, or after our close');
      check(pongs < pings.length && Buffer.from(f.payload).equals(pings[pongs]), 'a pong that does not answer the next ping');
      pongs++;
      continue;
    }
    check(i === frames.length - 1, 'a frame after the close frame');
    check(config.variant !== 2, 'a second close frame after ours');
    const p = f.payload;
    check(p.length !== 1 && p.length <= 125, 'a close payload of 1 or over 125 bytes');
    if (p.length >= 2) {
      const code = (p[0] << 8) | p[1];
      check(codec.isValidWireCloseCode(code), () => `sent close code ${code}, not valid on the wire`);
      check(isUtf8(p.subarray(2)), 'a close reason that is not UTF-8');
    }
    const error = events.find((e) => e.type === 'error');
    if (error !== undefined) check(p.length === 2 && ((p[0] << 8) | p[1]) === error.closeCode, 'the close sent differs from the failure code');
  }
  if (config.variant !== 1 && config.variant !== 2 && !failed) check(pongs === pings.length, 'a ping left unanswered');
}

/**
 * What two runs must agree on. An error is compared by its close code, what the peer sees: a
 * compressed message with two defects (bad UTF-8 early, a corrupt deflate stream later) fails
 * as WS_ERR_INVALID_UTF8 when it streams in and as WS_ERR_INFLATE_FAILED when inflated in one
 * call, both 1007, and either is right. Its message may name a different chunk.
 */
function comparable(run) {
  const events = run.events.map((e) => {
    if (e.type === 'error') return { type: 'error', closeCode: e.closeCode };
    if (e.type === 'close' && !e.wasClean) return { type: 'close', code: e.code, wasClean: false };
    return e;
  });
  const sent = decodeFrames(Buffer.concat(run.sent)).frames.map((f) => ({ opcode: f.opcode, payload: Buffer.from(f.payload) }));
  return { events, sent, state: run.stateBeforeEof };
}

/**
 * Whether two runs that differ only in their failure differ rightly: a compressed message with
 * two defects, too big once inflated (1009) and bad UTF-8 or a corrupt stream (1007), fails on
 * whichever shows first, and a message inflated in one call is measured before its text is
 * checked while one that streams in is checked piece by piece. So the codes must be 1007 and
 * 1009, everything before the failure the same, and the input must fail with 1007 at the same
 * place when fed whole without the message limit (proof of the second defect).
 */
function twoDefects(codec, role, config, bytes, a, b) {
  const i = firstDifference(a.events, b.events);
  if (i < 0 || a.events.length !== i + 2 || b.events.length !== i + 2) return false;
  const codes = [a.events[i].closeCode, b.events[i].closeCode].sort().join();
  if (a.events[i].type !== 'error' || b.events[i].type !== 'error' || codes !== '1007,1009') return false;
  checkEqual(a.sent.slice(0, -1), b.sent.slice(0, -1), 'frames sent before the failure, chunked vs whole,');
  const unlimited = comparable(drive(codec, role, { ...config, maxMessage: 2 ** 30 }, [new Uint8Array(bytes)], false));
  checkEqual(unlimited.events.slice(0, i), a.events.slice(0, i), 'events without the message limit');
  return unlimited.events[i]?.type === 'error' && unlimited.events[i].closeCode === 1007;
}

const widestInflaters = new WeakMap();

/** The codec's zlib provider, with every inflater at the widest window whatever was agreed. */
function widestInflaterOf(codec) {
  let provider = widestInflaters.get(codec);
  if (provider === undefined) {
    const zlib = codec.zlibCompression;
    provider = { createDeflater: (options) => zlib.createDeflater(options), createInflater: () => zlib.createInflater(WIDEST_WINDOW_BITS) };
    widestInflaters.set(codec, provider);
  }
  return provider;
}

/**
 * Whether two runs differ only because the peer compressed with a longer window than it agreed
 * to (RFC 7692 §7.1.2.1-2 forbids it). zlib checks a match's distance against its window plus
 * what the same inflate call has produced, so a message inflated in one call may pass where the
 * same message streaming in over many reads fails with "invalid distance too far back" (1007).
 * Refusing it in both cases would need a DEFLATE decoder of our own; so the codec accepts what
 * zlib accepts, and this checks that the window is the only cause: with every inflater at 15
 * bits, chunked and whole agree, and the whole run reports the same events up to and including
 * where the chunked run failed (the message, or the wait for the rest of a frame cut short).
 */
function fartherThanWindow(codec, role, config, bytes, a, b) {
  const d = config.deflate;
  const bits = d === undefined ? WIDEST_WINDOW_BITS : role === 'client' ? d.serverMaxWindowBits : d.clientMaxWindowBits;
  if (bits >= WIDEST_WINDOW_BITS) return false;
  const i = firstDifference(a.events, b.events);
  // The whole run delivered the message, or (its last frame cut short) was still waiting for it.
  if (i < 0 || a.events[i].type !== 'error' || a.events[i].closeCode !== 1007) return false;
  const wide = { ...config, widestInflater: true };
  const wideWhole = comparable(drive(codec, role, wide, [new Uint8Array(bytes)], false));
  const wideChunked = comparable(driveChunked(codec, role, wide, bytes));
  checkEqual(wideChunked, wideWhole, 'with 15-bit inflaters, events and frames sent, chunked vs whole,');
  checkEqual(wideWhole.events.slice(0, i + 1), b.events.slice(0, i + 1), 'events with 15-bit inflaters and as agreed, whole,');
  return true;
}

/** The `connection-server` or `connection-client` target. */
export function connectionTarget(codec, role) {
  return {
    name: `connection-${role}`,
    configBytes: 2,
    frameOffset: 2,
    run(input) {
      const config = connectionConfig(input);
      const bytes = input.subarray(2);
      const whole = drive(codec, role, config, [new Uint8Array(bytes)], false);
      checkRun(codec, role, config, whole);
      const chunked = driveChunked(codec, role, config, bytes);
      checkRun(codec, role, config, chunked);
      const [a, b] = [comparable(chunked), comparable(whole)];
      if (!isDeepStrictEqual(a, b) && !twoDefects(codec, role, config, bytes, a, b) && !fartherThanWindow(codec, role, config, bytes, a, b)) checkEqual(a, b, 'events and frames sent, chunked vs whole,');
    },
  };
}
