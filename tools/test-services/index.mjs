// Everything, for a test that wants more than one service; each also has its own entry point.
export * from './availability.mjs';
export * from './chromium.mjs';
export * from './child-server.mjs';
export * from './free-port.mjs';
export * from './redis-server.mjs';
export * from './resp.mjs';
