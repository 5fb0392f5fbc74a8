// SocketCluster (socketcluster-server 20) as an echo server: every "echo" event goes back to
// its sender as an "echo" event, the way a SocketCluster application answers. Default options
// (protocol version 2, JSON codec, pings every 8 s, no permessage-deflate); the WebSocket
// engine is the caller's choice (`wsEngine`), so that swapping it is one option.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { HOST, MAX_PAYLOAD, failed, port, ready } from './common.mjs';

const require = createRequire(import.meta.url);
const socketClusterServer = require('socketcluster-server');

/** Starts the server; `wsEngine` is socketcluster-server's option (a module name or object). */
export function serveSocketCluster(wsEngine, detail = '') {
  const p = port();
  const http = createServer();
  const agServer = socketClusterServer.attach(http, { wsEngine, maxPayload: MAX_PAYLOAD });
  (async () => {
    for await (const { socket } of agServer.listener('connection')) {
      (async () => {
        for await (const data of socket.receiver('echo')) socket.transmit('echo', data);
      })();
    }
  })();
  http.once('error', (e) => failed(e.message));
  http.listen(p, HOST, () => ready(p, detail));
}
