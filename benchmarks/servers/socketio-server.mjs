// Socket.IO 4 as an echo server: every "echo" event goes back to its sender as an "echo"
// event, the way a Socket.IO application answers. WebSocket transport only (the load generator
// opens /socket.io/?EIO=4&transport=websocket directly, no long-polling first); no
// permessage-deflate (engine.io's default); the engine that carries the WebSocket is the
// caller's choice (engine.io's `wsEngine` option), so that swapping it is one line.
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { HOST, MAX_PAYLOAD, TOPIC, failed, port, ready } from './common.mjs';

/** The options every Socket.IO server of the benchmarks shares. */
export const SOCKETIO_OPTIONS = { transports: ['websocket'], serveClient: false, maxHttpBufferSize: MAX_PAYLOAD };

/**
 * The application: an echo server, plus the room broadcast of the fan-out scenario (the load
 * generator's subscribers connect with ?role=sub and join one room; every "echo" event of the
 * ?role=pub connection is emitted to that room).
 */
export function serveEvents(io) {
  io.on('connection', (socket) => {
    const role = socket.handshake.query.role;
    if (role === 'sub') socket.join(TOPIC);
    else if (role === 'pub') socket.on('echo', (message) => io.to(TOPIC).emit('echo', message));
    else socket.on('echo', (message) => socket.emit('echo', message));
  });
}

/**
 * Starts the server. `wsEngine`: a ws-compatible server class for engine.io, or undefined for
 * engine.io's default (its own ws dependency). `detail` goes on the "listening" line.
 */
export function serveSocketIO(wsEngine, detail = '') {
  const p = port();
  const http = createServer();
  const io = new Server(http, { ...SOCKETIO_OPTIONS, ...(wsEngine ? { wsEngine } : {}) });
  serveEvents(io);
  http.once('error', (e) => failed(e.message));
  http.listen(p, HOST, () => ready(p, detail));
}
