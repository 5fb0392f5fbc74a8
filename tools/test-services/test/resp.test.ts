import { describe, expect, it } from 'vitest';
import { encodeCommand, parseReply } from '@uws/test-services/resp';

const reply = (s: string) => parseReply(Buffer.from(s));

describe('RESP2 by hand', () => {
  it('encodes a command as an array of bulk strings, lengths in bytes', () => {
    expect(encodeCommand(['PUBSUB', 'NUMSUB', 'ü'])).toBe('*3\r\n$6\r\nPUBSUB\r\n$6\r\nNUMSUB\r\n$2\r\nü\r\n');
  });

  it('reads every reply type the tests ask for', () => {
    expect(reply('+OK\r\n')).toEqual({ value: 'OK', end: 5 });
    expect(reply(':42\r\n')).toEqual({ value: 42, end: 5 });
    expect(reply('$5\r\nhello\r\n')).toEqual({ value: 'hello', end: 11 });
    expect(reply('$-1\r\n')).toEqual({ value: null, end: 5 });
    expect(reply('*2\r\n$8\r\nuws:room\r\n:3\r\n')).toEqual({ value: ['uws:room', 3], end: 22 });
    expect(reply('*0\r\n')).toEqual({ value: [], end: 4 });
    const err = reply('-ERR unknown command\r\n')!.value;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('ERR unknown command');
  });

  it('says "incomplete" (undefined) until the whole reply is there, at every cut', () => {
    const whole = '*2\r\n$8\r\nuws:room\r\n*1\r\n:3\r\n';
    for (let cut = 0; cut < whole.length; cut++) expect(reply(whole.slice(0, cut))).toBeUndefined();
    expect(reply(whole)).toEqual({ value: ['uws:room', [3]], end: whole.length });
  });

  it('rejects a type byte RESP2 does not have', () => {
    expect(() => reply('!oops\r\n')).toThrow('unexpected RESP type "!"');
  });
});
