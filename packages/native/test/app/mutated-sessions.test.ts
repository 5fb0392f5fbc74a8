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
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
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
import { LOCALHOST } from '../support/tls-fixtures.js';
import { transportKinds } from '../support/transports.js';

const SESSIONS = Number(process.env.UWS_FUZZ_SESSIONS ?? 400);
const CONCURRENCY = 24;
const BASE_SEED = Number(process.env.UWS_FUZZ_SEED ?? 0x5eed);
/** How long a mutated session waits for the server to end it before the client goes away. */
const MUTATED_WAIT_MS = 300;
const MAX_PAYLOAD = 96 * 1024;

/** xorshift32: small, seedable, the same sequence on every machine. */
class Rng {
  constructor(private state: number) {
    if (this.state === 0) this.state = 1;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  below(n: number): number {
    return this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}

const TEXT_ALPHABET = ['a', 'Z', ' ', '0', 'é', 'ß', '€', '中', '𝄞', '🙂', '\n'];

function randomText(rng: Rng, max: number): Buffer {
  const parts: string[] = [];
  const target = rng.below(max + 1);
  let bytes = 0;
  while (bytes < target) {
    const c = TEXT_ALPHABET[rng.below(TEXT_ALPHABET.length)];
    parts.push(c);
    bytes += Buffer.byteLength(c);
  }
  return Buffer.from(parts.join(''));
}

/** A masked client frame with any header bits. */
function frame(rng: Rng, opcode: number, payload: Buffer, fin: boolean, rsv1 = false): Buffer {
  const len = payload.length;
  const lenBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + lenBytes + 4);
  header[0] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  if (lenBytes === 0) header[1] = 0x80 | len;
  else if (lenBytes === 2) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(len, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = rng.bytes(4);
  mask.copy(header, 2 + lenBytes);
  const body = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) body[i] = payload[i] ^ mask[i & 3];
  return Buffer.concat([header, body]);
}

/** Splits `data` into `parts` pieces at random points. */
function split(rng: Rng, data: Buffer, parts: number): Buffer[] {
  const cuts = Array.from({ length: parts - 1 }, () => rng.below(data.length + 1)).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, data.length]) {
    out.push(data.subarray(at, cut));
    at = cut;
  }
  return out;
}

interface Message {
  binary: boolean;
  data: Buffer;
}

interface Session {
  bytes: Buffer;
  /** What an intact session must get back, in order. */
  expected: Message[];
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
  const expected: Message[] = [];
  const count = rng.below(8);
  for (let m = 0; m < count; m++) {
    const binary = rng.chance(0.5);
    const data = binary ? rng.bytes(rng.chance(0.1) ? 66_000 + rng.below(4000) : rng.below(300)) : randomText(rng, rng.chance(0.1) ? 70_000 : 300);
    expected.push({ binary, data });
    const opcode = binary ? 0x2 : 0x1;
    const compressed = compressing && rng.chance(0.6);
    // A message compresses to one deflate stream ending in an empty stored block (RFC 7692 §7.2.1).
    const body = compressed ? deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH, windowBits }).subarray(0, -4) : data;
    const pieces = rng.chance(0.3) ? split(rng, body, 2 + rng.below(3)) : [body];
    pieces.forEach((piece, i) => {
      parts.push(frame(rng, i === 0 ? opcode : 0x0, piece, i === pieces.length - 1, compressed && i === 0));
      if (rng.chance(0.15)) parts.push(frame(rng, 0x9, rng.bytes(rng.below(126)), true)); // ping between fragments
    });
  }
  const closes = !mayStayOpen || rng.chance(0.8);
  if (closes) parts.push(frame(rng, 0x8, Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('bye')]), true));
  return { bytes: Buffer.concat(parts), expected, closes };
}

/** Flips, overwrites, inserts, deletes or cuts off bytes, one to three times. */
function mutate(rng: Rng, bytes: Buffer): Buffer {
  let out = Buffer.from(bytes);
  const times = 1 + rng.below(3);
  for (let t = 0; t < times && out.length > 0; t++) {
    const at = rng.below(out.length);
    switch (rng.below(5)) {
      case 0:
        out[at] ^= 1 << rng.below(8);
        break;
      case 1:
        out[at] = rng.next() & 0xff;
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), rng.bytes(1 + rng.below(16)), out.subarray(at)]);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + rng.below(16)))]);
        break;
      default:
        out = out.subarray(0, at);
    }
  }
  return out;
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
  const messages: Message[] = [];
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
