/**
 * RESP2 by hand (the Redis protocol), enough for `RedisServer.command()`: the tests ask Redis
 * about its state without a client library of their own.
 */

/**
 * One command as a RESP array of bulk strings.
 * @param {string[]} args
 * @returns {string}
 */
export function encodeCommand(args) {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * Reads one reply at `at`: simple strings, errors (as Error values), integers, bulk strings (null
 * when absent) and arrays of those. Undefined while the reply is incomplete.
 * @param {Buffer} buf
 * @param {number} [at]
 * @returns {{ value: unknown, end: number } | undefined}
 */
export function parseReply(buf, at = 0) {
  if (at >= buf.length) return undefined;
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString('utf8', at + 1, eol);
  if (type === '+') return { value: line, end: eol + 2 };
  if (type === '-') return { value: new Error(line), end: eol + 2 };
  if (type === ':') return { value: Number(line), end: eol + 2 };
  if (type === '$') {
    const n = Number(line);
    if (n < 0) return { value: null, end: eol + 2 };
    if (buf.length < eol + 2 + n + 2) return undefined;
    return { value: buf.toString('utf8', eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
  }
  if (type === '*') {
    const n = Number(line);
    if (n < 0) return { value: null, end: eol + 2 };
    /** @type {unknown[]} */
    const out = [];
    let pos = eol + 2;
    for (let i = 0; i < n; i++) {
      const item = parseReply(buf, pos);
      if (item === undefined) return undefined;
      out.push(item.value);
      pos = item.end;
    }
    return { value: out, end: pos };
  }
  throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
}
