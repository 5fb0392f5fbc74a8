// Oracle failures: what a target throws when the codec broke a rule (as opposed to an
// unexpected exception out of the codec, which is a crash too).
import { isDeepStrictEqual } from 'node:util';

export class OracleFailure extends Error {
  constructor(message) {
    super(message);
    this.name = 'OracleFailure';
  }
}

/** Fails with `message` unless `condition`. */
export function check(condition, message) {
  if (!condition) throw new OracleFailure(typeof message === 'function' ? message() : message);
}

/** Fails unless `actual` and `expected` are deeply equal (plain values, Buffers compare by bytes). */
export function checkEqual(actual, expected, what) {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new OracleFailure(`${what} differ:\n  ${JSON.stringify(actual)}\n  ${JSON.stringify(expected)}`);
  }
}

/** Hex of the first `max` bytes, for messages. */
export function hexOf(bytes, max = 64) {
  const shown = Buffer.from(bytes.subarray(0, max)).toString('hex');
  return bytes.length > max ? `${shown}… (${bytes.length} bytes)` : shown;
}
