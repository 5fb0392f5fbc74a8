import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Connection } from '../src/connection.js';
import type { DeflateParams } from '../src/deflate/params.js';
import type { Role } from '../src/role.js';
import { Opcode } from '../src/opcodes.js';
import { CONTEXT_TAKEOVER_COMBINATIONS, feed, feedBytewise, plain, type PlainEvent, wire } from './support/connection-harness.js';
import { closePayload, concat, decodeFrames, toHex } from './support/frames.js';

const peerOf = (role: Role): Role => (role === 'server' ? 'client' : 'server');

// ---- generators ------------------------------------------------------------------------

/** 64–70 KiB of bytes that compress somewhat, built from a seed (fast to generate). */
const bigBytes = fc.record({ size: fc.integer({ min: 65536, max: 70_000 }), seed: fc.integer({ min: 1 }) }).map(({ size, seed }) => {
  const b = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = (i & 0xff) ^ (x & 0x0f);
  }
  return b;
});

const bytesPayload = fc.oneof({ weight: 12, arbitrary: fc.uint8Array({ maxLength: 300 }) }, { weight: 1, arbitrary: bigBytes });

const textPayload = fc.oneof(
  { weight: 12, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).map((s) => s.repeat(Math.ceil(66_000 / s.length))) },
);

/** How one message is handed to the sender. */
const sendShape = fc.record({
  compress: fc.constantFrom(undefined, true, false),
  fragmentSize: fc.constantFrom(undefined, undefined, 1, 2, 7, 64, 1000, 20_000),
  /** Cut points (taken modulo the length) for streaming the message over several sends. */
  streamCuts: fc.oneof(fc.constant([] as number[]), fc.uniqueArray(fc.nat(), { minLength: 1, maxLength: 3 })),
  pingBetween: fc.boolean(),
});

type SendShape = typeof sendShape extends fc.Arbitrary<infer T> ? T : never;

type Item =
  | { kind: 'text'; text: string; shape: SendShape }
  | { kind: 'binary'; bytes: Uint8Array; shape: SendShape }
  | { kind: 'ping'; data: Uint8Array };

const item: fc.Arbitrary<Item> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('text' as const), text: textPayload, shape: sendShape }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('binary' as const), bytes: bytesPayload, shape: sendShape }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ping' as const), data: fc.uint8Array({ maxLength: 125 }) }) },
);

const windowBits = fc.constantFrom(8, 9, 12, 15);
const deflate: fc.Arbitrary<DeflateParams | undefined> = fc.oneof(
  fc.constant(undefined),
  fc
    .tuple(fc.constantFrom(...CONTEXT_TAKEOVER_COMBINATIONS), windowBits, windowBits)
    .map(([d, serverMaxWindowBits, clientMaxWindowBits]) => ({ ...d, serverMaxWindowBits, clientMaxWindowBits })),
);
const role = fc.constantFrom<Role>('server', 'client');
const cuts = fc.uniqueArray(fc.nat(), { maxLength: 12 });

function sortedCuts(raw: number[], length: number): number[] {
  return [...new Set(raw.map((c) => c % (length + 1)))].sort((a, b) => a - b);
}

/** Sends one item; returns the bytes and the events the peer must report for them. */
function send(sender: Connection, it: Item): { bytes: Uint8Array[]; expected: PlainEvent[] } {
  if (it.kind === 'ping') {
    return { bytes: sender.ping(it.data), expected: [{ type: 'ping', data: Buffer.from(it.data) }] };
  }
  const { compress, fragmentSize, streamCuts, pingBetween } = it.shape;
  const bytes: Uint8Array[] = [];
  const expected: PlainEvent[] = [];
  let pieces: (string | Uint8Array)[];
  if (it.kind === 'text') {
    const codePoints = Array.from(it.text);
    const at = sortedCuts(streamCuts, codePoints.length);
    pieces = [0, ...at].map((from, i) => codePoints.slice(from, i < at.length ? at[i] : codePoints.length).join(''));
  } else {
    const at = sortedCuts(streamCuts, it.bytes.length);
    pieces = [0, ...at].map((from, i) => it.bytes.subarray(from, i < at.length ? at[i] : it.bytes.length));
  }
  // Tiny fragments for small messages; at most ~40 fragments for big ones (keeps runs fast).
  const size = it.kind === 'text' ? Buffer.byteLength(it.text) : it.bytes.length;
  const fragment = fragmentSize === undefined ? undefined : Math.max(fragmentSize, Math.ceil(size / 40));
  pieces.forEach((piece, i) => {
    const options = { compress, fragmentSize: fragment, fin: i === pieces.length - 1 };
    for (const b of typeof piece === 'string' ? sender.sendText(piece, options) : sender.sendBinary(piece, options)) bytes.push(b);
    if (pingBetween && i === 0 && pieces.length > 1) {
      bytes.push(...sender.ping(new Uint8Array([0x70])));
      expected.push({ type: 'ping', data: Buffer.from([0x70]) });
    }
  });
  const data = it.kind === 'text' ? Buffer.from(it.text, 'utf8') : Buffer.from(it.bytes);
  expected.push({ type: 'message', binary: it.kind === 'binary', data });
  return { bytes, expected };
}

/** A valid stream from a `senderRole` connection: items, optionally ended by a close frame. */
function buildStream(senderRole: Role, params: DeflateParams | undefined, items: Item[], close: number | undefined) {
  const sender = new Connection({ role: senderRole, deflate: params });
  const chunks: Uint8Array[] = [];
  const expected: PlainEvent[] = [];
  for (const it of items) {
    const sent = send(sender, it);
    chunks.push(...sent.bytes);
    expected.push(...sent.expected);
  }
  if (close !== undefined) {
    chunks.push(...sender.close(close, 'bye'));
    expected.push({ type: 'close', code: close, reason: 'bye', wasClean: true });
  }
  return { bytes: concat(...chunks), expected };
}

/** Events with payloads as base64: deep-equality on 100 KiB Buffers is slow, strings are not. */
function comparable(events: PlainEvent[]): unknown[] {
  return events.map((e) => ('data' in e ? { ...e, data: e.data.toString('base64') } : e));
}

/** Outgoing frames by opcode and payload (client keys are random, so not the raw bytes). */
function outgoingSummary(c: Connection): string[] {
  return decodeFrames(wire(c.takeOutgoing())).map((f) => `${f.opcode}:${toHex(f.payload)}`);
}

// ---- properties ------------------------------------------------------------------------

describe('properties', () => {
  it('parse(serialize(x)) == x: any message sequence, both roles, any fragmentation, with and without deflate', () => {
    fc.assert(
      fc.property(role, deflate, fc.array(item, { maxLength: 6 }), cuts, (senderRole, params, items, receiveCuts) => {
        const { bytes, expected } = buildStream(senderRole, params, items, undefined);
        const receiver = new Connection({ role: peerOf(senderRole), deflate: params });
        const events = feed(receiver, bytes, sortedCuts(receiveCuts, bytes.length));
        expect(comparable(plain(events))).toEqual(comparable(expected));
        expect(receiver.state).toBe('open');
        // Every frame a client sent is masked; no server frame is.
        for (const f of decodeFrames(bytes)) expect(f.key !== undefined).toBe(senderRole === 'client');
      }),
      { numRuns: 300 },
    );
  });

  it('any split of a valid byte stream into chunks (down to 1 byte) gives the events of one chunk', () => {
    const smallItem = item.filter((it) => (it.kind === 'text' ? it.text.length < 200 : it.kind === 'binary' ? it.bytes.length < 400 : true));
    fc.assert(
      fc.property(
        role,
        deflate,
        fc.array(smallItem, { maxLength: 5 }),
        fc.option(fc.constantFrom(1000, 1001, 3000, 4999), { nil: undefined }),
        cuts,
        (senderRole, params, items, close, receiveCuts) => {
          const { bytes, expected } = buildStream(senderRole, params, items, close);
          const receiverRole = peerOf(senderRole);
          const one = new Connection({ role: receiverRole, deflate: params });
          const oneEvents = plain(one.receive(bytes.slice()));
          expect(oneEvents).toEqual(expected);
          const oneOut = outgoingSummary(one);

          const split = new Connection({ role: receiverRole, deflate: params });
          expect(plain(feed(split, bytes, sortedCuts(receiveCuts, bytes.length)))).toEqual(oneEvents);
          expect(outgoingSummary(split)).toEqual(oneOut);

          const bytewise = new Connection({ role: receiverRole, deflate: params });
          expect(plain(feedBytewise(bytewise, bytes))).toEqual(oneEvents);
          expect(outgoingSummary(bytewise)).toEqual(oneOut);
          expect(bytewise.state).toBe(one.state);
        },
      ),
      { numRuns: 300 },
    );
  });

  describe('hostile input never throws and always ends valid or in exactly one error', () => {
    /** Small limits, so that hostile input also runs into them (1009). */
    const MAX_PAYLOAD = 64 * 1024;
    const MAX_MESSAGE = 512;
    const MAX_FRAGMENTS = 6;

    /** Checks the event sequence and the connection state after feeding `bytes`. */
    function checkOutcome(c: Connection, events: PlainEvent[], rawEvents: ReturnType<Connection['receive']>): void {
      const errors = events.filter((e) => e.type === 'error');
      const closes = events.filter((e) => e.type === 'close');
      expect(errors.length).toBeLessThanOrEqual(1);
      expect(closes.length).toBeLessThanOrEqual(1);
      // Nothing after the close event.
      if (closes.length === 1) expect(events[events.length - 1].type).toBe('close');
      for (const e of rawEvents) {
        if (e.type === 'message') {
          expect(e.data.length).toBeLessThanOrEqual(MAX_MESSAGE);
          if (!e.binary) expect(isUtf8(e.data)).toBe(true);
        }
      }
      const out = decodeFrames(wire(c.takeOutgoing()));
      if (errors.length === 1) {
        const err = errors[0];
        expect([1002, 1007, 1009]).toContain(err.closeCode);
        expect(events.slice(-2)).toEqual([err, { type: 'close', code: err.closeCode, reason: expect.any(String) as string, wasClean: false }]);
        expect(c.state).toBe('closed');
        expect(c.shouldCloseTransport).toBe(true);
        const last = out[out.length - 1];
        expect(last.opcode).toBe(Opcode.CLOSE);
        expect(toHex(last.payload)).toBe(toHex(closePayload(err.closeCode)));
      } else if (closes.length === 1) {
        expect(closes[0]).toMatchObject({ wasClean: true });
        expect(c.state).toBe('closed');
        expect(out[out.length - 1].opcode).toBe(Opcode.CLOSE);
      } else {
        expect(c.state).toBe('open');
        expect(out.every((f) => f.opcode === Opcode.PONG)).toBe(true);
      }
      if (c.state === 'closed') {
        // Closed means closed: more input changes nothing.
        expect(c.receive(new Uint8Array([0x81, 0x80, 0, 0, 0, 0, 0x88, 0x00]))).toEqual([]);
        expect(c.takeOutgoing()).toEqual([]);
      }
    }

    function run(receiverRole: Role, params: DeflateParams | undefined, bytes: Uint8Array, receiveCuts: number[]): void {
      const c = new Connection({
        role: receiverRole,
        deflate: params,
        maxPayloadLength: MAX_PAYLOAD,
        maxMessageLength: MAX_MESSAGE,
        maxFragments: MAX_FRAGMENTS,
      });
      let raw: ReturnType<Connection['receive']> = [];
      expect(() => {
        raw = feed(c, bytes, sortedCuts(receiveCuts, bytes.length));
      }).not.toThrow();
      checkOutcome(c, plain(raw), raw);
    }

    it('random bytes', () => {
      fc.assert(
        fc.property(role, deflate, fc.uint8Array({ maxLength: 300 }), cuts, (receiverRole, params, bytes, receiveCuts) => {
          run(receiverRole, params, bytes, receiveCuts);
        }),
        { numRuns: 1500 },
      );
    });

    it('random frames: mostly plausible headers, random bits, lengths and payloads', () => {
      // Mostly defined opcodes, clear RSV2/3 and the right mask for the receiver, so input
      // gets past the first header check and reaches the message, close and limit rules.
      const rawFrame = fc.record({
        fin: fc.boolean(),
        rsv1: fc.boolean(),
        rsv23: fc.oneof({ weight: 15, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(0x10, 0x20, 0x30) }),
        opcode: fc.oneof({ weight: 15, arbitrary: fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0x9, 0xa) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) }),
        rightMask: fc.oneof({ weight: 15, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
        payload: fc.oneof(
          fc.uint8Array({ maxLength: 140 }),
          fc.string({ unit: 'binary', maxLength: 40 }).map((t) => new Uint8Array(Buffer.from(t))),
          fc.tuple(fc.constantFrom(1000, 1001, 1005, 1011, 2000, 3000, 4999, 5000), fc.string({ maxLength: 20 })).map(([code, reason]) => closePayload(code, reason)),
        ),
        key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
      });
      type RawFrameSpec = typeof rawFrame extends fc.Arbitrary<infer T> ? T : never;
      const build = (receiverRole: Role, f: RawFrameSpec): Uint8Array => {
        const masked = (receiverRole === 'server') === f.rightMask;
        const b0 = (f.fin ? 0x80 : 0) | (f.rsv1 ? 0x40 : 0) | f.rsv23 | f.opcode;
        const len = f.payload.length;
        const head = len < 126 ? [b0, (masked ? 0x80 : 0) | len] : [b0, (masked ? 0x80 : 0) | 126, len >> 8, len & 0xff];
        return concat(new Uint8Array(head), masked ? f.key : new Uint8Array(0), f.payload.map((b, i) => (masked ? b ^ f.key[i & 3] : b)));
      };
      fc.assert(
        fc.property(role, deflate, fc.array(rawFrame, { maxLength: 10 }), cuts, (receiverRole, params, frames, receiveCuts) => {
          run(receiverRole, params, concat(...frames.map((f) => build(receiverRole, f))), receiveCuts);
        }),
        { numRuns: 1500 },
      );
    });

    it('random mutations of valid streams', () => {
      const smallItem = item.filter((it) => (it.kind === 'text' ? it.text.length < 200 : it.kind === 'binary' ? it.bytes.length < 400 : true));
      const mutation = fc.oneof(
        fc.record({ op: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
        fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
        fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 6 }) }),
        fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
      );
      fc.assert(
        fc.property(
          role,
          deflate,
          fc.array(smallItem, { minLength: 1, maxLength: 4 }),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
          cuts,
          (senderRole, params, items, mutations, receiveCuts) => {
            let bytes = buildStream(senderRole, params, items, undefined).bytes;
            for (const m of mutations) {
              const at = bytes.length === 0 ? 0 : m.at % bytes.length;
              if (m.op === 'flip' && bytes.length > 0) {
                bytes = bytes.slice();
                bytes[at] ^= m.xor;
              } else if (m.op === 'insert') {
                bytes = concat(bytes.subarray(0, at), m.bytes, bytes.subarray(at));
              } else if (m.op === 'delete') {
                bytes = concat(bytes.subarray(0, at), bytes.subarray(at + m.count));
              } else if (m.op === 'truncate') {
                bytes = bytes.slice(0, at);
              }
            }
            run(peerOf(senderRole), params, bytes, receiveCuts);
          },
        ),
        { numRuns: 1000 },
      );
    });
  });
});
