// Autobahn|Testsuite echo testee: the `WebSocketServer` of @uws/ws-compat (the ws 8 API) in
// `port` mode, on the native epoll transport or on node:net, with permessage-deflate enabled.
// The echo is the code a ws user writes; every message is compressed back (threshold 0).
//
//   node autobahn/testees/ws-compat-echo.mjs [epoll|node] [port]      (port 0: any free port)
//
// Compresses at AUTOBAHN_ZLIB_LEVEL (zlib-level.mjs; CI sets 0 for ws-compat-node and 1 for
// ws-compat-epoll, see src/testees.mjs).
//
// Prints "listening <port>" once ready (the runner waits for that line).

import { WebSocketServer } from '@uws/ws-compat';
import { zlibLevel } from './zlib-level.mjs';

const transport = process.argv[2] ?? 'epoll';
const port = Number(process.argv[3] ?? process.env.PORT ?? 9001);
if (transport !== 'epoll' && transport !== 'node') throw new Error(`transport must be epoll or node, not ${transport}`);

const wss = new WebSocketServer(
  {
    host: '127.0.0.1',
    port,
    transport,
    // Everything else is the default a user gets (maxPayload, maxFragments, ...). Deviations:
    // compression is off by default (ws's too), and 12.x/13.x need it; threshold 0 compresses
    // every echo, so every message tests the deflater; the zlib level is CI's cost knob.
    perMessageDeflate: { threshold: 0, zlibDeflateOptions: { level: zlibLevel() } },
  },
  () => console.log(`listening ${wss.address().port}`),
);
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  // Protocol errors end in a close the runner judges; nothing to log.
  ws.on('error', () => {});
});

const stop = () => wss.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
