// Autobahn|Testsuite client testee: the client `WebSocket` of @uws/ws-compat (the ws 8 API), on
// the native epoll transport or on node:net, offering permessage-deflate as ws does (with
// client_max_window_bits). It runs the suite's client flow against a fuzzing server:
// /getCaseCount, then /runCase?case=N&agent=NAME for every case, echoing every text and binary
// message, then /updateReports?agent=NAME.
//
//   node autobahn/testees/ws-compat-client.mjs [epoll|node] <ws://host:port> [agent] [concurrency]
//
// Compresses at AUTOBAHN_ZLIB_LEVEL (zlib-level.mjs; CI sets 0, see src/testees.mjs).

import WebSocket from '@uws/ws-compat';
import { runClientFlow } from './client-flow.mjs';
import { zlibLevel } from './zlib-level.mjs';

const transport = process.argv[2] ?? 'epoll';
const base = (process.argv[3] ?? 'ws://127.0.0.1:9001').replace(/\/$/, '');
const agent = process.argv[4] ?? `ws-compat-client-${transport}`;
const concurrency = Number(process.argv[5] ?? 1);
if (transport !== 'epoll' && transport !== 'node') throw new Error(`transport must be epoll or node, not ${transport}`);

// 9.x: messages up to 16 MiB, and up to 65 536 fragments per message (ws's default: 16 384).
// Defaults but the compression threshold (0: every echo is compressed) and the zlib level (CI's cost knob).
const options = { transport, perMessageDeflate: { threshold: 0, zlibDeflateOptions: { level: zlibLevel() } } };

/**
 * Opens one connection, echoes what arrives, and resolves with the messages once closed.
 * @param {string} path @param {boolean} echo
 * @returns {Promise<Buffer[]>}
 */
function session(path, echo) {
  return new Promise((resolve) => {
    /** @type {Buffer[]} */
    const messages = [];
    const ws = new WebSocket(base + path, options);
    ws.on('message', (data, isBinary) => {
      messages.push(/** @type {Buffer} */ (data));
      if (echo && ws.readyState === WebSocket.OPEN) ws.send(data, { binary: isBinary });
    });
    // Errors (a protocol error by the fuzzer, on purpose) end in 'close', which ends the case.
    ws.on('error', () => {});
    ws.on('close', () => resolve(messages));
  });
}

await runClientFlow(session, agent, concurrency);
