/**
 * Session ids: 15 random bytes as base64url (engine.io's length), drawn from a pool refilled
 * with one `randomFillSync` per 256 ids rather than one system call per handshake.
 */
import { randomFillSync } from 'node:crypto';

const ID_BYTES = 15;
const IDS_PER_FILL = 256;
const pool = Buffer.allocUnsafe(ID_BYTES * IDS_PER_FILL);
let offset = pool.length;

/** A new random session id (20 base64url characters). */
export function randomSessionId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  // Each byte is handed out once.
  offset += ID_BYTES;
  return id;
}
