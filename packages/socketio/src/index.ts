/**
 * `@uws/socketio`: Socket.IO on uws. Its faces are added module by module: the engine.io
 * `wsEngine`, the native engine.io server for `io.bind()`, and the rooms-as-topics adapter.
 */
export {};
