/**
 * `@uws/socketio`: Socket.IO on uws. Its faces are added module by module: the engine.io
 * `wsEngine`, the native engine.io server for `io.bind()`, and the rooms-as-topics adapter.
 */
// The wsEngine face: `new Server(httpServer, { wsEngine: UwsEngine })`.
export { UwsEngine, createUwsEngine } from './ws-engine/uws-engine.js';
export type { UwsEngineOptions, UwsEngineDefaults } from './ws-engine/uws-engine.js';
export { EngineSocket } from './ws-engine/engine-socket.js';
export { Sender } from '@uws/ws-compat';
