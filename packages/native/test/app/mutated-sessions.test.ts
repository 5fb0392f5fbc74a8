/**
 * Seeded fuzzing over real sockets: well-formed client sessions (upgrade with and without
 * permessage-deflate, text/binary/fragmented/compressed messages, pings, close) written in random
 * chunks, and the same sessions with random bytes flipped, inserted, deleted or cut off. Under
 * `test:asan` this is where a parser or buffer bug in the C++ shows up as a crash.
 *
 * What must hold: intact sessions get every message back, in order, and a 1000 close; mutated ones
 * get a 4xx answer, or a close frame with a code that may be sent on the wire, or nothing; the
 * server never crashes, every socket that opened closes exactly once, and it still serves.
 * UWS_FUZZ_SEED=<n> replays (or varies) a run; UWS_FUZZ_SESSIONS=<n> changes the count.
 */
import { Buffer } from 'node:buffer';
import net from 'node:net';
import tls from 'node:tls';
import { constants, inflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEDICATED_COMPRESSOR_4KB,
  DEDICATED_DECOMPRESSOR_1KB,
  SHARED_COMPRESSOR,
  SHARED_DECOMPRESSOR,
} from '../../src/app/compress-options.js';
import type { WebSocketBehavior } from '../../src/app/websocket-behavior.js';
import { type Listening, listen, waitFor } from '../support/app-harness.js';
import { upgradeRequest } from '../support/raw-socket.js';
import { type FuzzMessage, Rng, mutate, randomMessageFrames, split, wireFrame } from '../support/fuzz-input.js';
import { LOCALHOST } from '../support/tls-fixtures.js';
import { transportKinds } from '../support/transports.js';

const SESSIONS = Number(process.env.UWS_FUZZ_SESSIONS ?? 400);
const CONCURRENCY = 24;
const BASE_SEED = Number(process.env.UWS_FUZZ_SEED ?? 0x5eed);
/** How long a mutated session waits for the server to end it before the client goes away. */
const MUTATED_WAIT_MS = 300;
const MAX_PAYLOAD = 96 * 1024;

interface Session {
  bytes: Buffer;
  /** What an intact session must get back, in order. */
  expected: FuzzMessage[];
  /** The session ends with a close frame (else the client just goes away). */
  closes: boolean;
}

const ROUTES = ['/shared', '/dedicated', '/plain'];

/** A well-formed session: the upgrade, then messages, pings and (usually) a close. */
function session(rng: Rng, mayStayOpen: boolean): Session {
  const route = ROUTES[rng.below(ROUTES.length)];
  const deflate = rng.chance(0.6);
  // The dedicated 1 KB decompressor needs a client window it can ask for (else the server
  // declines); 9 bits fits any window the server may name.
  const offer = `permessage-deflate; client_no_context_takeover; server_no_context_takeover${route === '/dedicated' ? '; client_max_window_bits' : ''}`;
  const windowBits = route === '/dedicated' ? 9 : 15;
  const extra = deflate ? [`Sec-WebSocket-Extensions: ${offer}`] : [];
  const compressing = deflate && route !== '/plain';
  const parts: Buffer[] = [Buffer.from(upgradeRequest(route, extra))];
  const expected: FuzzMessage[] = [];
  const count = rng.below(8);
  for (let m = 0; m < count; m++) {
    const { message, frames } = randomMessageFrames(rng, { masked: true, windowBits: compressing ? windowBits : undefined });
    expected.push(message);
    parts.push(...frames);
  }
  const closes = !mayStayOpen || rng.chance(0.8);
  if (closes) parts.push(wireFrame(rng, 0x8, Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('bye')]), true, false, true));
  return { bytes: Buffer.concat(parts), expected, closes };
}

/** Server frames (unmasked) read from a byte stream. */
interface ServerFrame {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  payload: Buffer;
}

function parseServerFrames(bytes: Buffer): { frames: ServerFrame[]; rest: number } {
  const frames: ServerFrame[] = [];
  let at = 0;
  for (;;) {
    if (bytes.length - at < 2) break;
    const b0 = bytes[at];
    const b1 = bytes[at + 1];
    if (b1 & 0x80) throw new Error('server frame is masked');
    let len = b1 & 0x7f;
    let head = 2;
    if (len === 126) {
      if (bytes.length - at < 4) break;
      len = bytes.readUInt16BE(at + 2);
      head = 4;
    } else if (len === 127) {
      if (bytes.length - at < 10) break;
      len = Number(bytes.readBigUInt64BE(at + 2));
      head = 10;
    }
    if (bytes.length - at < head + len) break;
    frames.push({ fin: (b0 & 0x80) !== 0, rsv1: (b0 & 0x40) !== 0, opcode: b0 & 0x0f, payload: bytes.subarray(at + head, at + head + len) });
    at += head + len;
  }
  return { frames, rest: bytes.length - at };
}

/** Codes an endpoint may put in a close frame (RFC 6455 §7.4). */
function sendableCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999);
}

interface Outcome {
  /** Bytes the server sent before it closed the connection or the client gave up. */
  bytes: Buffer;
  closedByServer: boolean;
}

/** Writes `chunks` with a pause now and then (each a TLS record of its own over TLS), and collects the answer. */
function run(port: number, chunks: Buffer[], waitMs: number, overTls: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = overTls ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : net.connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    let settled = false;
    const finish = (closedByServer: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ bytes: Buffer.concat(received), closedByServer });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on(overTls ? 'secureConnect' : 'connect', () => {
      let i = 0;
      const writeNext = (): void => {
        if (settled || socket.destroyed) return;
        socket.write(chunks[i++]);
        if (i < chunks.length) (i % 2 === 0 ? setImmediate : queueMicrotask)(writeNext);
      };
      if (chunks.length > 0) writeNext();
    });
  });
}

/** What an intact session must have received: the 101, every message echoed, a 1000 close. */
function checkIntact(s: Session, outcome: Outcome): void {
  const text = outcome.bytes.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  expect(text.slice(0, 12)).toBe('HTTP/1.1 101');
  const { frames } = parseServerFrames(outcome.bytes.subarray(headEnd + 4));
  const messages: FuzzMessage[] = [];
  let pending: ServerFrame[] = [];
  let close: Buffer | undefined;
  for (const f of frames) {
    if (f.opcode === 0x8) {
      close = f.payload;
      break;
    }
    if (f.opcode >= 0x8) continue;
    pending.push(f);
    if (!f.fin) continue;
    const first = pending[0];
    const joined = Buffer.concat(pending.map((p) => p.payload));
    const data = first.rsv1 ? inflateRawSync(Buffer.concat([joined, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH }) : joined;
    messages.push({ binary: first.opcode === 0x2, data });
    pending = [];
  }
  expect(messages.length, `close ${close?.readUInt16BE(0)} ${close?.subarray(2).toString()}`).toBe(s.expected.length);
  messages.forEach((m, i) => {
    expect(m.binary).toBe(s.expected[i].binary);
    expect(m.data.equals(s.expected[i].data)).toBe(true);
  });
  if (s.closes) {
    expect(close).toBeDefined();
    expect(close!.readUInt16BE(0)).toBe(1000);
  }
}

/** What a mutated session may have received. */
function checkMutated(outcome: Outcome): void {
  const text = outcome.bytes.toString('latin1');
  if (text.length === 0) return;
  expect(text.startsWith('HTTP/1.1 ')).toBe(true);
  const status = Number(text.slice(9, 12));
  if (status !== 101) {
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    return;
  }
  const headEnd = text.indexOf('\r\n\r\n');
  const { frames } = parseServerFrames(outcome.bytes.subarray(headEnd + 4));
  for (const f of frames) {
    if (f.opcode !== 0x8) continue;
    expect(f.payload.length === 0 || f.payload.length >= 2).toBe(true);
    if (f.payload.length >= 2) expect(sendableCode(f.payload.readUInt16BE(0))).toBe(true);
  }
}

const cases = transportKinds.flatMap((transport) => [
  { transport, overTls: false },
  { transport, overTls: true },
]);

describe.each(cases)('mutated client sessions ($transport, TLS $overTls)', ({ transport, overTls }) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  // Over TLS the handshakes cost more: a quarter of the sessions, the same mix.
  const sessions = overTls ? Math.ceil(SESSIONS / 4) : SESSIONS;
  it(`${sessions} sessions, intact and mutated, in random chunks`, { timeout: 120_000 }, async () => {
    let opened = 0;
    let closed = 0;
    const behavior: WebSocketBehavior<unknown> = {
      maxPayloadLength: MAX_PAYLOAD,
      idleTimeout: 8,
      // Echoes of 70 KB messages must be queued, not dropped at the default 64 KiB limit.
      maxBackpressure: 16 << 20,
      open: () => void opened++,
      close: () => void closed++,
      message: (ws, message, isBinary) => void ws.send(message, isBinary, true),
    };
    server = await listen(
      transport,
      (app) =>
      app
        .ws('/shared', { ...behavior, compression: SHARED_COMPRESSOR | SHARED_DECOMPRESSOR })
        .ws('/dedicated', { ...behavior, compression: DEDICATED_COMPRESSOR_4KB | DEDICATED_DECOMPRESSOR_1KB })
        .ws('/plain', behavior),
      overTls ? { tls: LOCALHOST } : {},
    );
    const port = server.port;
    const seed = BASE_SEED ^ (transport === 'epoll' ? 0x1000 : 0x2000) ^ (overTls ? 0x4000 : 0);
    const rng = new Rng(seed);
    const plans = Array.from({ length: sessions }, (_, i) => {
      const intact = i % 4 === 0;
      // An intact session always closes, so its end is known without waiting for a timeout.
      const s = session(rng, !intact);
      const bytes = intact ? s.bytes : mutate(rng, s.bytes);
      return { index: i, s, intact, chunks: split(rng, bytes, 1 + rng.below(6)) };
    });
    let next = 0;
    const failures: string[] = [];
    const worker = async (): Promise<void> => {
      while (next < plans.length) {
        const plan = plans[next++];
        const wait = plan.intact ? 10_000 : MUTATED_WAIT_MS;
        const outcome = await run(port, plan.chunks, wait, overTls);
        try {
          if (plan.intact) checkIntact(plan.s, outcome);
          else checkMutated(outcome);
        } catch (error) {
          failures.push(`session ${plan.index} (seed ${seed}, ${plan.intact ? 'intact' : 'mutated'}): ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(failures).toEqual([]);

    // Every peer is gone: every socket that opened has closed, exactly once.
    await waitFor(() => closed === opened, 10_000, `${opened - closed} sockets to close`);
    expect(opened).toBeGreaterThan(sessions / 8);

    // Still serving.
    const check = session(new Rng(seed + 1), false);
    const last = await run(port, [check.bytes], 10_000, overTls);
    checkIntact(check, last);
  });
});
