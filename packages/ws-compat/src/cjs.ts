/**
 * The CommonJS entry: `require('@uws/ws-compat')` is the WebSocket class itself, carrying the
 * rest of the API (`.Server`, `.WebSocketServer`, `.createWebSocketStream`, ...), as
 * `require('ws')` is.
 */
import WebSocket from './index.js';

export default WebSocket;
