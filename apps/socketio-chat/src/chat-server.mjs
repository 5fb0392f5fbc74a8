// The chat: one App serves the page, the socket.io-client browser bundle (from node_modules),
// a JSON health route beside them, and Socket.IO on the native engine at /socket.io/. Rooms are
// Socket.IO rooms, delivered as native topics by UwsAdapter.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { App, us_listen_socket_close, us_socket_local_port } from '@uws/native';
import { NativeEngine, UwsAdapter } from '@uws/socketio';
import { Server } from 'socket.io';

const require = createRequire(import.meta.url);
const PAGE = readFileSync(new URL('./page.html', import.meta.url));
// The browser bundle ships in the package's dist/ (not an export: found from the entry point).
const clientEntry = require.resolve('socket.io-client'); // <package>/build/cjs/index.js
const CLIENT_BUNDLE = readFileSync(join(dirname(clientEntry), '..', '..', 'dist', 'socket.io.min.js'));
const MAX_TEXT = 2000;

/** Builds the chat; `listen(port, host)` resolves with the port, `close()` stops everything. */
export function createChatServer() {
  const app = App();
  const engine = new NativeEngine({ maxHttpBufferSize: 64 * 1024 });
  const io = new Server({ serveClient: false, adapter: UwsAdapter });
  io.bind(engine);
  engine.attach(app, { path: '/socket.io' });

  app.get('/', (res) => res.writeHeader('Content-Type', 'text/html; charset=utf-8').end(PAGE));
  app.get('/socket.io.min.js', (res) => res.writeHeader('Content-Type', 'text/javascript; charset=utf-8').end(CLIENT_BUNDLE));
  app.get('/health', (res) => res.writeHeader('Content-Type', 'application/json').end(JSON.stringify({ clients: engine.clientsCount })));

  io.on('connection', (socket) => {
    let name = `guest-${socket.id.slice(0, 4)}`;
    let room;
    socket.on('join', (wanted, ack) => {
      if (typeof wanted?.room !== 'string' || wanted.room === '' || wanted.room.length > 64) return ack?.({ error: 'bad room' });
      if (typeof wanted.name === 'string' && wanted.name !== '') name = wanted.name.slice(0, 32);
      if (room !== undefined) {
        socket.leave(room);
        socket.to(room).emit('left', { name });
      }
      room = wanted.room;
      socket.join(room);
      socket.to(room).emit('joined', { name });
      ack?.({ room, name });
    });
    socket.on('say', (text, ack) => {
      if (room === undefined || typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT) return ack?.({ error: 'not sent' });
      io.to(room).emit('said', { name, text, at: Date.now() });
      ack?.({ ok: true });
    });
    socket.on('disconnect', () => {
      if (room !== undefined) socket.to(room).emit('left', { name });
    });
  });

  let token;
  return {
    app,
    io,
    engine,
    listen(port = 3000, host = '127.0.0.1') {
      return new Promise((resolve, reject) =>
        app.listen(host, port, (t) => {
          if (!t) return reject(new Error(`cannot listen on ${host}:${port}`));
          token = t;
          resolve(us_socket_local_port(t));
        }),
      );
    },
    close() {
      io.close();
      us_listen_socket_close(token);
      app.close();
    },
  };
}
