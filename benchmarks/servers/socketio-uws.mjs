// Socket.IO on our engine: @uws/ws-compat's WebSocketServer as engine.io's wsEngine.
import { WebSocketServer } from '@uws/ws-compat';
import { serveSocketIO } from './socketio-server.mjs';

serveSocketIO(WebSocketServer, 'wsEngine=@uws/ws-compat');
