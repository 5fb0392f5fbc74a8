// Socket.IO with engine.io's default WebSocket engine (its own ws dependency).
import { createRequire } from 'node:module';
import { loads } from './common.mjs';
import { serveSocketIO } from './socketio-server.mjs';

const require = createRequire(import.meta.url);
const engineRequire = createRequire(createRequire(require.resolve('socket.io')).resolve('engine.io'));
const wsRequire = createRequire(engineRequire.resolve('ws'));
serveSocketIO(undefined, `wsEngine=ws@${engineRequire('ws/package.json').version} bufferutil=${loads(wsRequire, 'bufferutil')}`);
