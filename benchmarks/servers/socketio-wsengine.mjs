// Socket.IO with @uws/socketio's wsEngine face (UwsEngine: ws-compat underneath, plus the
// framed-once fan-out of broadcasts).
import { UwsEngine } from '@uws/socketio';
import { serveSocketIO } from './socketio-server.mjs';

serveSocketIO(UwsEngine, 'wsEngine=@uws/socketio UwsEngine');
