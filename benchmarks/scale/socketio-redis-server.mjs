// One of the cross-process servers: Socket.IO 4 with @socket.io/redis-adapter (node-redis
// clients), websocket transport. Clients with ?role=sub join the room; a "pub" event is emitted
// to the room. argv: redisUrl port.
import { createServer } from 'node:http';
import { createClient } from '@redis/client';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';

const [url, port] = process.argv.slice(2);
const pubClient = createClient({ url });
const subClient = pubClient.duplicate();
for (const c of [pubClient, subClient]) c.on('error', (e) => console.error(`redis: ${e.message}`));
await Promise.all([pubClient.connect(), subClient.connect()]);
const http = createServer();
const io = new Server(http, { transports: ['websocket'], adapter: createAdapter(pubClient, subClient) });
io.on('connection', (socket) => {
  if (socket.handshake.query.role === 'sub') socket.join('bench');
  socket.on('pub', (data) => io.to('bench').emit('msg', data));
});
http.listen(Number(port), '127.0.0.1', () => console.log(`listening ${port}`));
