// Adapter for @uws/protocol: a Connection with a callback handler, fed the same chunks.
import { createRequire } from 'node:module';
import { Connection } from '@uws/protocol';
import { MiB } from './inputs.mjs';

const require = createRequire(import.meta.url);

export const name = 'uws';

export function describe() {
  return { version: require('@uws/protocol/package.json').version };
}

/** A server-role Connection that calls `onMessage(data, isBinary)` for each message. */
export function createParser(onMessage) {
  const conn = new Connection({
    role: 'server',
    maxPayloadLength: 100 * MiB,
    skipUtf8Validation: false,
    handler: {
      onMessage,
      onError(err) {
        throw err;
      },
    },
  });
  return {
    /** Feeds the chunks in order (receive() unmasks them in place). */
    feed(chunks) {
      for (let i = 0; i < chunks.length; i++) conn.receive(chunks[i]);
    },
  };
}

/**
 * Frames messages with Connection#sendBinary / #sendText; the client role masks. frame()
 * returns one message's chunks; frameMany() frames `count` messages and returns the bytes
 * produced (the loop lives here so each codec's hot loop stays monomorphic).
 */
export function createSerializer({ binary, masked }) {
  const conn = new Connection({ role: masked ? 'client' : 'server' });
  if (binary) {
    return {
      frame: (payload) => conn.sendBinary(payload),
      frameMany(payload, count) {
        let bytes = 0;
        for (let i = 0; i < count; i++) {
          const out = conn.sendBinary(payload);
          for (let j = 0; j < out.length; j++) bytes += out[j].length;
        }
        return bytes;
      },
    };
  }
  return {
    frame: (text) => conn.sendText(text),
    frameMany(text, count) {
      let bytes = 0;
      for (let i = 0; i < count; i++) {
        const out = conn.sendText(text);
        for (let j = 0; j < out.length; j++) bytes += out[j].length;
      }
      return bytes;
    },
  };
}
