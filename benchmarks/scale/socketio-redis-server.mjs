// One of the cross-process servers: Socket.IO 4 with @socket.io/redis-adapter (node-redis
// clients), websocket transport, the benchmarks' Socket.IO options and application (the load
// generator's ?role=sub clients join the room; every "echo" event of a ?role=pub client is
// emitted to it, on every process through the adapter). argv: redisUrl port.
import { createServer } from 'node:http';
import { createClient } from '@redis/client';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import { SOCKETIO_OPTIONS, serveEvents } from '../servers/socketio-server.mjs';

const [url, port] = process.argv.slice(2);
const pubClient = createClient({ url });
const subClient = pubClient.duplicate();
for (const c of [pubClient, subClient]) c.on('error', (e) => console.error(`redis: ${e.message}`));
await Promise.all([pubClient.connect(), subClient.connect()]);
const http = createServer();
const io = new Server(http, { ...SOCKETIO_OPTIONS, adapter: createAdapter(pubClient, subClient) });
serveEvents(io);
http.listen(Number(port), '127.0.0.1', () => console.log(`listening ${port}`));
