/**
 * `@uws/socketio`: Socket.IO on uws. Its faces: the engine.io `wsEngine`, the native
 * engine.io server for `io.bind()`, and the rooms-as-topics adapter.
 */
export { NativeEngine, type EngineMiddleware, type EngineListening } from './engine/native-engine.js';
export type { EngineOptions, AttachOptions, AllowRequest } from './engine/engine-options.js';
export { EngineErrors, EngineErrorMessages, type EngineErrorCode, type EngineConnectionError } from './engine/engine-errors.js';
export type { EngineSocket } from './engine/engine-socket.js';
export type { EngineRequest } from './engine/engine-request.js';
export type { EngineResponse } from './engine/engine-response.js';
export { UwsAdapter } from './adapter/uws-adapter.js';
export { withNativeFanout } from './adapter/native-fanout.js';
