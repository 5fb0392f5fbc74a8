// @ts-check
// The zlib level a testee compresses what it sends at: AUTOBAHN_ZLIB_LEVEL, which src/testees.mjs
// sets from its ZLIB_LEVELS (why some testees use 0 is explained there). Unset: undefined, the
// library's default (zlib's 6). Only what the testee sends depends on it; any level is valid
// permessage-deflate.

/**
 * @returns {number | undefined}
 * @throws {RangeError} when AUTOBAHN_ZLIB_LEVEL is set but not an integer 0–9
 */
export function zlibLevel() {
  const raw = process.env.AUTOBAHN_ZLIB_LEVEL;
  if (raw === undefined || raw === '') return undefined;
  const level = Number(raw);
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`AUTOBAHN_ZLIB_LEVEL must be an integer 0–9, got ${raw}`);
  return level;
}
