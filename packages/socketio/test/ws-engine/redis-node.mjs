// One Socket.IO node of the multi-node test (run with child_process.fork): the wsEngine face
// from this package's build, @socket.io/redis-adapter on the Redis given as argv[2].
import http from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';
import { UwsEngine } from '../../dist/index.js';

const pub = createClient({ url: process.argv[2] });
const sub = pub.duplicate();
pub.on('error', (e) => process.send({ error: String(e) }));
sub.on('error', (e) => process.send({ error: String(e) }));
await Promise.all([pub.connect(), sub.connect()]);

const httpServer = http.createServer();
const io = new Server(httpServer, { wsEngine: UwsEngine, adapter: createAdapter(pub, sub) });
io.on('connection', (socket) => {
  socket.join(socket.handshake.auth.room);
  socket.on('shout', (room, message) => io.to(room).emit('news', message));
  socket.on('shout-except', (room, except, message) => io.to(room).except(except).emit('news', message));
});
httpServer.listen(0, '127.0.0.1', () => process.send({ port: httpServer.address().port }));

process.on('message', async (message) => {
  if (message !== 'stop') return;
  await new Promise((resolve) => io.close(resolve));
  await Promise.allSettled([pub.quit(), sub.quit()]);
  process.exit(0);
});
