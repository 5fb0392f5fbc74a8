/**
 * Seeded fuzzing of the `Client` against a hand-written server: well-formed server sessions (the
 * 101 with and without permessage-deflate, text/binary/fragmented/compressed messages, pings, a
 * close) written in random chunks, and the same sessions with random bytes flipped, inserted,
 * deleted or cut off (the 101 head included). Under `test:asan` this drives the C++ read path of
 * the client side.
 *
 * What must hold: on an intact session the client delivers every message, in order, and closes
 * with 1000; on a mutated one it ends with exactly one 'close' carrying a code a peer may send or
 * 1005/1006, within its timeouts; the process never crashes.
 * UWS_FUZZ_SEED=<n> replays (or varies) a run; UWS_FUZZ_SESSIONS=<n> changes the count.
 */
import { Buffer } from 'node:buffer';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { acceptKey } from '@uws/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import { type FuzzMessage, Rng, mutate, randomMessageFrames, split, wireFrame } from '../support/fuzz-input.js';
import { CA, LOCALHOST } from '../support/tls-fixtures.js';
import { transportKinds } from '../support/transports.js';

const SESSIONS = Number(process.env.UWS_FUZZ_SESSIONS ?? 300);
const CONCURRENCY = 16;
const BASE_SEED = Number(process.env.UWS_FUZZ_SEED ?? 0xc11e);
/** How long the server keeps a mutated session open before it goes away. */
const MUTATED_HOLD_MS = 300;

interface Plan {
  deflate: boolean;
  intact: boolean;
  /** The frames after the 101 head. */
  frames: Buffer;
  expected: FuzzMessage[];
  /** Seed of the mutation and chunking applied once the head (with its accept key) is known. */
  seed: number;
}

function plan(rng: Rng, intact: boolean): Plan {
  const deflate = rng.chance(0.5);
  const expected: FuzzMessage[] = [];
  const frames: Buffer[] = [];
  const count = rng.below(8);
  for (let m = 0; m < count; m++) {
    const { message, frames: carried } = randomMessageFrames(rng, { masked: false, windowBits: deflate ? 15 : undefined });
    expected.push(message);
    frames.push(...carried);
  }
  frames.push(wireFrame(rng, 0x8, Buffer.from([0x03, 0xe8]), true, false, false));
  return { deflate, intact, frames: Buffer.concat(frames), expected, seed: rng.next() };
}

/** The 101 answer to a request head (the accept key is the request's). */
function head(request: string, deflate: boolean): Buffer {
  const key = /\r\nsec-websocket-key:\s*(\S+)/i.exec(request)?.[1] ?? '';
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(key)}`];
  // Each message is a deflate stream of its own: server_no_context_takeover.
  if (deflate) lines.push('Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover');
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
}

/** Whether the masked client frames in `bytes` include a close frame. */
function hasCloseFrame(bytes: Buffer): boolean {
  let at = 0;
  while (bytes.length - at >= 2) {
    if ((bytes[at] & 0x0f) === 0x8) return true;
    let len = bytes[at + 1] & 0x7f;
    let headLength = 2;
    if (len === 126) {
      if (bytes.length - at < 4) return false;
      len = bytes.readUInt16BE(at + 2);
      headLength = 4;
    } else if (len === 127) {
      if (bytes.length - at < 10) return false;
      len = Number(bytes.readBigUInt64BE(at + 2));
      headLength = 10;
    }
    at += headLength + 4 + len;
  }
  return false;
}

/** A server that plays plan N to the client that asks for `/s/N`. */
function fuzzServer(plans: Plan[], overTls: boolean): net.Server {
  const onSocket = (socket: net.Socket): void => {
    let request = '';
    let answered = false;
    let fromClient = Buffer.alloc(0);
    let written = false;
    let clientClosed = false;
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      if (answered) {
        // Pongs, then the client's close frame: once it came and everything was written, end TCP.
        fromClient = Buffer.concat([fromClient, chunk]);
        clientClosed ||= hasCloseFrame(fromClient);
        if (clientClosed && written) socket.end();
        return;
      }
      request += chunk.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      answered = true;
      const p = plans[Number(/^GET \/s\/(\d+) /.exec(request)?.[1] ?? -1)];
      if (p === undefined) return void socket.destroy();
      const rng = new Rng(p.seed);
      const whole = Buffer.concat([head(request, p.deflate), p.frames]);
      const bytes = p.intact ? whole : mutate(rng, whole);
      const chunks = split(rng, bytes, 1 + rng.below(6));
      let i = 0;
      const writeNext = (): void => {
        if (socket.destroyed) return;
        if (i === chunks.length) {
          written = true;
          if (clientClosed) socket.end();
          return;
        }
        socket.write(chunks[i++]);
        setImmediate(writeNext);
      };
      writeNext();
      if (!p.intact) setTimeout(() => socket.destroy(), MUTATED_HOLD_MS);
    });
  };
  return overTls ? tls.createServer({ ...LOCALHOST }, onSocket) : net.createServer(onSocket);
}

/** Codes a peer may put in a close frame (RFC 6455 §7.4), and the two a close event may report without one. */
function reportableCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || code === 1005 || code === 1006 || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999);
}

const cases = transportKinds.flatMap((transport) => [
  { transport, overTls: false },
  { transport, overTls: true },
]);

describe.each(cases)('Client against mutated server sessions ($transport, TLS $overTls)', ({ transport, overTls }) => {
  let server: net.Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  const sessions = overTls ? Math.ceil(SESSIONS / 4) : SESSIONS;
  it(`${sessions} sessions, intact and mutated, in random chunks`, { timeout: 120_000 }, async () => {
    const seed = BASE_SEED ^ (transport === 'epoll' ? 0x1000 : 0x2000) ^ (overTls ? 0x4000 : 0);
    const rng = new Rng(seed);
    const plans = Array.from({ length: sessions }, (_, i) => plan(rng, i % 4 === 0));
    server = fuzzServer(plans, overTls);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    const base = `${overTls ? 'wss' : 'ws'}://127.0.0.1:${port}`;

    let next = 0;
    const failures: string[] = [];
    const runOne = async (index: number): Promise<void> => {
      const p = plans[index];
      const client = new Client(`${base}/s/${index}`, {
        transport,
        perMessageDeflate: p.deflate,
        handshakeTimeout: 3,
        closeTimeout: 1,
        tls: overTls ? { ca: CA } : undefined,
      });
      const messages: FuzzMessage[] = [];
      const closes: number[] = [];
      client.on('message', (data, isBinary) => messages.push({ binary: isBinary, data }));
      client.on('error', () => {});
      const ended = new Promise<void>((resolve) =>
        client.on('close', (code) => {
          closes.push(code);
          resolve();
        }),
      );
      const bound = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
      const what = `session ${index} (seed ${seed}, ${p.intact ? 'intact' : 'mutated'})`;
      if ((await Promise.race([ended, bound])) === 'timeout') {
        failures.push(`${what}: no close within 10 s (state ${client.state})`);
        client.terminate();
        return;
      }
      await new Promise((r) => setImmediate(r));
      try {
        expect(closes.length).toBe(1);
        expect(reportableCode(closes[0])).toBe(true);
        if (p.intact) {
          expect(closes[0]).toBe(1000);
          expect(messages.length).toBe(p.expected.length);
          messages.forEach((m, i) => {
            expect(m.binary).toBe(p.expected[i].binary);
            expect(m.data.equals(p.expected[i].data)).toBe(true);
          });
        }
      } catch (error) {
        failures.push(`${what}: ${(error as Error).message}`);
      }
    };
    const worker = async (): Promise<void> => {
      while (next < plans.length) await runOne(next++);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(failures).toEqual([]);
  });
});
