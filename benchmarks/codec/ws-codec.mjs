// Adapter for ws's frame codec: its Receiver (a Writable fed socket chunks) and the static
// Sender.frame used by every send. ws is CommonJS; it is loaded with require so its module
// cache can tell whether bufferutil's native mask/unmask was picked up.
import { createRequire } from 'node:module';
import { MiB } from './inputs.mjs';

const require = createRequire(import.meta.url);
const { Receiver, Sender } = require('ws');

export const name = 'ws';

/** Versions and the native helpers ws is actually using in this process. */
export function describe() {
  const cache = Object.keys(require.cache);
  const bufferUtilModule = cache.find((k) => /[\\/]ws[\\/]lib[\\/]buffer-util\.js$/.test(k));
  const mask = bufferUtilModule === undefined ? undefined : require.cache[bufferUtilModule].exports.mask;
  const maskSource = mask === undefined ? '' : String(mask);
  const nativeAddon = cache.some((k) => /[\\/]bufferutil[\\/].*\.node$/.test(k));
  let maskImpl = 'JavaScript loop (bufferutil not loaded)';
  if (maskSource.includes('websocketMask')) maskImpl = "node:http's websocketMask";
  else if (maskSource.includes('bufferUtil')) maskImpl = nativeAddon ? 'bufferutil (native addon)' : 'bufferutil (JavaScript fallback)';
  const { isUtf8 } = require('node:buffer');
  return {
    version: require('ws/package.json').version,
    bufferutil: safeVersion('bufferutil'),
    usingBufferutil: maskSource.includes('bufferUtil') && nativeAddon,
    maskImpl,
    utf8Impl: typeof isUtf8 === 'function' ? "node:buffer's isUtf8 (utf-8-validate not needed)" : 'utf-8-validate or JavaScript',
  };
}

function safeVersion(pkg) {
  try {
    return require(`${pkg}/package.json`).version;
  } catch {
    return undefined;
  }
}

/**
 * A server-side Receiver that calls `onMessage(data, isBinary)` for each message.
 * allowSynchronousEvents: true (ws 8's default since 8.17, set explicitly) makes ws emit every
 * message of a chunk within write() instead of deferring each to setImmediate.
 */
export function createParser(onMessage) {
  const receiver = new Receiver({
    isServer: true,
    maxPayload: 100 * MiB,
    skipUTF8Validation: false,
    allowSynchronousEvents: true,
  });
  receiver.on('message', onMessage);
  receiver.on('error', (err) => {
    throw err;
  });
  return {
    /** Feeds the chunks in order (the Receiver unmasks them in place). */
    feed(chunks) {
      for (let i = 0; i < chunks.length; i++) receiver.write(chunks[i]);
    },
  };
}

/**
 * Frames messages as ws does in WebSocket#send → Sender#send → Sender.frame: a Buffer is
 * readOnly (masking copies it), a string is UTF-8 encoded by Sender.frame. frame() returns one
 * message's chunks; frameMany() frames `count` messages and returns the bytes produced (the
 * loop lives here so each codec's hot loop stays monomorphic).
 */
export function createSerializer({ opcode, masked }) {
  const frame = (payload) => Sender.frame(payload, { fin: true, rsv1: false, opcode, mask: masked, readOnly: true });
  return {
    frame,
    frameMany(payload, count) {
      let bytes = 0;
      for (let i = 0; i < count; i++) {
        const out = Sender.frame(payload, { fin: true, rsv1: false, opcode, mask: masked, readOnly: true });
        for (let j = 0; j < out.length; j++) bytes += out[j].length;
      }
      return bytes;
    },
  };
}
