// Socket.IO on uWebSockets.js through socket.io's own `io.attachApp(app)` (engine.io's uServer
// and socket.io's patched adapter), with the uWebSockets.js binaries of the npm package uws-pack.
import { Server } from 'socket.io';
import * as uWS from 'uws-pack';
import { HOST, failed, port, ready } from './common.mjs';
import { SOCKETIO_OPTIONS, serveEvents } from './socketio-server.mjs';

const p = port();
const app = uWS.App();
const io = new Server(SOCKETIO_OPTIONS);
io.attachApp(app);
serveEvents(io);
app.listen(HOST, p, (token) => (token ? ready(p, 'attachApp on uws-pack') : failed(`uWebSockets.js on ${p}`)));
