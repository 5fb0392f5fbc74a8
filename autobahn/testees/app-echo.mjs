// Autobahn|Testsuite echo testee: the `App` of @uws/native, on the native epoll transport or on
// node:net, with permessage-deflate enabled. Everything it sends back is an echo.
//
//   node autobahn/testees/app-echo.mjs [epoll|node] [tls] [port]      (port 0: any free port)
//
// With `tls` it is an SSLApp with the test-only localhost certificate of @uws/native's tests.
//
// Compresses at AUTOBAHN_ZLIB_LEVEL (the behavior's `compressionLevel`), zlib's default when unset.
//
// Prints "listening <port>" once ready (the runner waits for that line).

import { fileURLToPath } from 'node:url';
import { zlibLevel } from './zlib-level.mjs';
import { App, SHARED_COMPRESSOR, SHARED_DECOMPRESSOR, us_listen_socket_close, us_socket_local_port } from '@uws/native';

const transport = process.argv[2] ?? 'epoll';
const tls = process.argv[3] === 'tls';
const port = Number(process.argv[tls ? 4 : 3] ?? process.env.PORT ?? 9001);
const fixtures = new URL('../../packages/native/test/fixtures/tls/', import.meta.url);
const tlsOptions = tls
  ? { key_file_name: fileURLToPath(new URL('localhost.key', fixtures)), cert_file_name: fileURLToPath(new URL('localhost.pem', fixtures)) }
  : undefined;
if (transport !== 'epoll' && transport !== 'node') throw new Error(`transport must be epoll or node, not ${transport}`);

/** @type {unknown} */
let token;
App({ transport, tls: tlsOptions })
  .ws('/*', {
    // Shared (no context takeover) in both directions: accepts every offer of 12.x/13.x, and
    // costs no per-socket zlib window.
    compression: SHARED_COMPRESSOR | SHARED_DECOMPRESSOR,
    compressionLevel: zlibLevel(),
    // 9.x sends messages of up to 16 MiB; the App's default (16 KiB, uWS.js's) is for small
    // messages. Everything else (maxBackpressure, idleTimeout, maxFragments, ...) is the default.
    maxPayloadLength: 16 * 1024 * 1024,
    message: (ws, message, isBinary) => {
      ws.send(message, isBinary, true);
    },
  })
  .listen('127.0.0.1', port, (t) => {
    if (!t) {
      console.error(`listen failed on port ${port}`);
      process.exit(1);
    }
    token = t;
    console.log(`listening ${us_socket_local_port(t)}`);
  });

const stop = () => {
  us_listen_socket_close(token);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
