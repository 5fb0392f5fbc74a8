// Socket.IO 4 on @uws/socketio's native engine (`io.bind(new NativeEngine())`: engine.io on the
// App, no Node http server) with UwsAdapter (rooms as native topics). WebSocket transport
// only and no permessage-deflate, as the other Socket.IO servers here.
import { Server } from 'socket.io';
import { NativeEngine, UwsAdapter } from '@uws/socketio';
import { HOST, MAX_PAYLOAD, failed, port, ready } from './common.mjs';

const p = port();
const engine = new NativeEngine({ transports: ['websocket'], maxHttpBufferSize: MAX_PAYLOAD });
const io = new Server({ serveClient: false, adapter: UwsAdapter });
io.bind(engine);
io.on('connection', (socket) => {
  socket.on('echo', (message) => socket.emit('echo', message));
});
engine.listen(p, { path: '/socket.io', host: HOST }).then(
  () => ready(p, 'engine=@uws/socketio NativeEngine adapter=UwsAdapter'),
  (e) => failed(e.message),
);
