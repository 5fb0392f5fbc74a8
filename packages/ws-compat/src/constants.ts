/** Values shared by the server and the client side, with ws's names. */
import { Buffer } from 'node:buffer';
import { DEFAULT_MAX_FRAGMENTS as PROTOCOL_DEFAULT_MAX_FRAGMENTS } from '@uws/protocol';

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;
export const READY_STATES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;

/** ws 8's default `maxPayload` (100 MiB). */
export const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;
/**
 * Default `maxFragments` (frames per received message): the codec's, 131 072, not ws 8's
 * 16 384. ws's limit guards memory that grows per fragment there; here a message is one
 * growing buffer, bounded by `maxPayload`, so the limit only caps the work of one message, and
 * ws's value fails Autobahn 9.3.1/9.3.2/9.4.1/9.4.2 (up to 65 537 frames per message).
 */
export const DEFAULT_MAX_FRAGMENTS = PROTOCOL_DEFAULT_MAX_FRAGMENTS;
/** The codec's fragment limit for ws's `maxFragments` option: 0 (or less) means no limit, as in ws. */
export function fragmentLimit(maxFragments: number): number {
  return maxFragments > 0 ? maxFragments : Number.MAX_SAFE_INTEGER;
}
/** ws 8's default `closeTimeout` (ms). */
export const DEFAULT_CLOSE_TIMEOUT = 30_000;

export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);

/** What a binary message is given as: ws's `binaryType` values (default `'nodebuffer'`). */
export type BinaryType = 'nodebuffer' | 'arraybuffer' | 'fragments' | 'blob';
export const BINARY_TYPES: readonly BinaryType[] = ['nodebuffer', 'arraybuffer', 'fragments', 'blob'];

/** ws 8.23's `maxPendingAutoPongs` default: automatic pongs not yet written before the peer is terminated. */
export const DEFAULT_MAX_PENDING_AUTO_PONGS = 60;
/** The pong limit of a socket whose `autoPong` is off. */
export const NO_AUTO_PONG = -1;
