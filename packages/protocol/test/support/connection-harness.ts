/**
 * Driving a Connection in tests: feeding bytes the way a transport would (always a fresh copy,
 * since `receive()` unmasks in place), and turning events into plain comparable values.
 */
import type { Connection, ConnectionEvent } from '../../src/connection.js';
import type { DeflateParams } from '../../src/deflate/params.js';
import { concat, copyOf } from './frames.js';

/** permessage-deflate parameters: context takeover both ways and 15-bit windows unless overridden. */
export function deflateParams(overrides: Partial<DeflateParams> = {}): DeflateParams {
  return {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: 15,
    clientMaxWindowBits: 15,
    ...overrides,
  };
}

/** The four combinations of the two no_context_takeover flags. */
export const CONTEXT_TAKEOVER_COMBINATIONS: readonly DeflateParams[] = [
  deflateParams(),
  deflateParams({ serverNoContextTakeover: true }),
  deflateParams({ clientNoContextTakeover: true }),
  deflateParams({ serverNoContextTakeover: true, clientNoContextTakeover: true }),
];

/**
 * Feeds a copy of `bytes`, cut at the (ascending) offsets in `cuts`, and returns all events.
 * Each piece is its own fresh buffer, as a socket would hand it over.
 */
export function feed(conn: Connection, bytes: Uint8Array, cuts: readonly number[] = []): ConnectionEvent[] {
  const events: ConnectionEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut < from) continue;
    events.push(...conn.receive(copyOf(bytes, from, cut)));
    from = cut;
  }
  return events;
}

/** Feeds a copy of `bytes` one byte per `receive()` call. */
export function feedBytewise(conn: Connection, bytes: Uint8Array): ConnectionEvent[] {
  const events: ConnectionEvent[] = [];
  for (let i = 0; i < bytes.length; i++) events.push(...conn.receive(copyOf(bytes, i, i + 1)));
  return events;
}

/** Everything a send produced (or takeOutgoing returned) as one byte array. */
export function wire(chunks: readonly Uint8Array[]): Uint8Array {
  return concat(...chunks);
}

export type PlainEvent =
  | { type: 'message'; binary: boolean; data: Buffer }
  | { type: 'ping' | 'pong'; data: Buffer }
  | { type: 'close'; code: number; reason: string; wasClean: boolean }
  | { type: 'error'; code: string; closeCode: number };

/** Events as plain values, with byte views copied (they may point into reused input). */
export function plain(events: readonly ConnectionEvent[]): PlainEvent[] {
  return events.map((e): PlainEvent => {
    switch (e.type) {
      case 'message':
        return { type: 'message', binary: e.binary, data: Buffer.from(e.data) };
      case 'ping':
      case 'pong':
        return { type: e.type, data: Buffer.from(e.data) };
      case 'close':
        return { type: 'close', code: e.code, reason: e.reason, wasClean: e.wasClean };
      case 'error':
        return { type: 'error', code: e.error.code, closeCode: e.error.closeCode };
    }
  });
}

/** Received messages as `{ binary, text }` (text decoded as UTF-8), for short assertions. */
export function messages(events: readonly ConnectionEvent[]): { binary: boolean; text: string }[] {
  const out: { binary: boolean; text: string }[] = [];
  for (const e of events) if (e.type === 'message') out.push({ binary: e.binary, text: Buffer.from(e.data).toString('utf8') });
  return out;
}
