/** RESP2 by hand (the Redis protocol), enough for `RedisServer.command()`. */

/** One command as a RESP array of bulk strings. */
export declare function encodeCommand(args: string[]): string;

/**
 * Reads one reply starting at `at` (default 0): simple strings, errors (as Error values),
 * integers, bulk strings (null when absent) and arrays of those; undefined while incomplete.
 * Throws on a type byte RESP2 does not have.
 */
export declare function parseReply(buf: Buffer, at?: number): { value: unknown; end: number } | undefined;
