/**
 * The one-tick fan-out memory: the first sighting of a message takes the sender's usual path,
 * the second frames it once, every further one gets that same frame; the next tick forgets.
 * A tick remembers its last 8 distinct messages.
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { sharedFrameList, sharedMessageFrame, sharedPayloadLength } from '../../src/index.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('sharedMessageFrame', () => {
  it('frames a Buffer once from its second sighting in a tick, then forgets it', async () => {
    const buf = Buffer.from('0123456789');
    expect(sharedMessageFrame(buf, 2)).toBeUndefined();
    const frame = sharedMessageFrame(buf, 2)!;
    expect(Buffer.from(frame)).toEqual(Buffer.concat([Buffer.from([0x82, 10]), buf]));
    expect(sharedPayloadLength(frame)).toBe(10);
    for (let i = 0; i < 100; i++) expect(sharedMessageFrame(buf, 2)).toBe(frame);
    // The same bytes in another Buffer are another message (identity, not value).
    expect(sharedMessageFrame(Buffer.from(buf), 2)).toBeUndefined();
    await tick();
    buf.write('changed');
    expect(sharedMessageFrame(buf, 2)).toBeUndefined();
    expect(Buffer.from(sharedMessageFrame(buf, 2)!).subarray(2).toString()).toBe('changed789');
  });

  it('remembers strings by value, as UTF-8 text frames, with 16-bit and 64-bit lengths', async () => {
    const text = 'é'.repeat(100); // 200 bytes: a 16-bit length
    expect(sharedMessageFrame(text, 1)).toBeUndefined();
    const frame = sharedMessageFrame(`${'é'.repeat(50)}${'é'.repeat(50)}`, 1)!;
    expect(Buffer.from(frame.subarray(0, 4))).toEqual(Buffer.from([0x81, 126, 0, 200]));
    expect(Buffer.from(frame.subarray(4)).toString()).toBe(text);
    expect(sharedPayloadLength(frame)).toBe(200);
    const big = Buffer.alloc(70_000, 7);
    sharedMessageFrame(big, 2);
    const bigFrame = sharedMessageFrame(big, 2)!;
    expect(bigFrame[1]).toBe(127);
    expect(sharedPayloadLength(bigFrame)).toBe(70_000);
    await tick();
  });

  it('does not share a message sent this tick with another opcode', async () => {
    const buf = Buffer.from('abc');
    sharedMessageFrame(buf, 2);
    expect(sharedMessageFrame(buf, 1)).toBeUndefined();
    expect(sharedMessageFrame(buf, 2)![0]).toBe(0x82);
    expect(sharedMessageFrame(buf, 1)).toBeUndefined();
    await tick();
  });
});

describe('the messages a tick remembers', () => {
  it('shares messages sent in turn (c.send(a); c.send(b) for every c), and forgets the oldest past 8', async () => {
    const messages = Array.from({ length: 9 }, (_, i) => Buffer.from(`message ${i}`));
    for (const m of messages.slice(0, 2)) expect(sharedMessageFrame(m, 2)).toBeUndefined();
    for (let round = 0; round < 3; round++) for (const m of messages.slice(0, 2)) expect(sharedMessageFrame(m, 2)).toBeDefined();
    for (const m of messages.slice(2)) expect(sharedMessageFrame(m, 2)).toBeUndefined();
    // Nine distinct messages: the first is no longer remembered, the last eight are.
    expect(sharedMessageFrame(messages[0], 2)).toBeUndefined();
    for (const m of messages.slice(2)) expect(Buffer.from(sharedMessageFrame(m, 2)!).subarray(2)).toEqual(m);
    await tick();
  });
});

describe('sharedFrameList', () => {
  it('joins a list of ready frames once from its second sighting in a tick', async () => {
    const list = [Buffer.from([0x82, 3]), Buffer.from('xyz')];
    expect(sharedFrameList(list)).toBeUndefined();
    const joined = sharedFrameList(list)!;
    expect(Buffer.from(joined)).toEqual(Buffer.from([0x82, 3, 0x78, 0x79, 0x7a]));
    expect(sharedFrameList(list)).toBe(joined);
    await tick();
    expect(sharedFrameList(list)).toBeUndefined();
  });
});
