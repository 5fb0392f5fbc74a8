// Autobahn|Testsuite client testee: the `Client` of @uws/native, on the native epoll transport
// or on node:net, offering permessage-deflate. It runs the suite's client flow against a
// fuzzing server (ours or the official `wstest -m fuzzingserver`): /getCaseCount, then
// /runCase?case=N&agent=NAME for every case, echoing every text and binary message, then
// /updateReports?agent=NAME.
//
//   node autobahn/testees/native-client.mjs [epoll|node] <ws://host:port> [agent] [concurrency]
//
// `concurrency` (default 1, the suite's flow) runs that many cases at once; each case has its
// own connection, so the verdicts do not depend on it as long as both ends keep up.
//
// Compresses at AUTOBAHN_ZLIB_LEVEL (zlib-level.mjs; CI sets 0 for uws-client-node and 1 for
// uws-client-epoll, see src/testees.mjs).

import { connect } from '@uws/native';
import { runClientFlow } from './client-flow.mjs';
import { zlibLevel } from './zlib-level.mjs';

const transport = process.argv[2] ?? 'epoll';
const base = (process.argv[3] ?? 'ws://127.0.0.1:9001').replace(/\/$/, '');
const agent = process.argv[4] ?? `uws-client-${transport}`;
const concurrency = Number(process.argv[5] ?? 1);
if (transport !== 'epoll' && transport !== 'node') throw new Error(`transport must be epoll or node, not ${transport}`);

/** Every option the cases need: 9.x sends up to 16 MiB; 12.x/13.x need compression. */
const options = {
  transport,
  // client_max_window_bits lets the server pick our window (13.3–13.6 ask for 9 or 15 bits).
  perMessageDeflate: { clientMaxWindowBits: true },
  compressionLevel: zlibLevel(),
  // maxPayload: the default (100 MiB) covers 9.x's 16 MiB messages.
};

/**
 * Opens one connection, echoes what arrives, and resolves with the messages once closed.
 * @param {string} path @param {boolean} echo
 * @returns {Promise<Buffer[]>}
 */
function session(path, echo) {
  return new Promise((resolve) => {
    /** @type {Buffer[]} */
    const messages = [];
    const client = connect(base + path, options);
    client.on('message', (data, isBinary) => {
      messages.push(data);
      if (echo && client.state === 'open') client.send(data, isBinary);
    });
    // Errors (a protocol error by the fuzzer, on purpose) end in 'close', which ends the case.
    client.on('error', () => {});
    client.on('close', () => resolve(messages));
  });
}

const count = await runClientFlow(session, agent, concurrency);
console.log(`${agent}: ran ${count} cases`);
process.exit(0);
