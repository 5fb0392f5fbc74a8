export * from './availability.js';
export * from './chromium.js';
export * from './child-server.js';
export * from './free-port.js';
export * from './redis-server.js';
export * from './resp.js';
