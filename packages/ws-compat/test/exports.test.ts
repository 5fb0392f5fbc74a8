/**
 * The package's shape, as users load it (the built dist, as `turbo test` builds it first):
 * `require()` gives the WebSocket class with ws's statics, `import` gives the default and the
 * named exports, the same as ws's own CommonJS and ESM entries.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

describe('package exports', () => {
  it('CommonJS: module.exports is WebSocket with .Server, .WebSocketServer, .WebSocket, .createWebSocketStream, .Sender', () => {
    const WS = require('@uws/ws-compat');
    const ws = require('ws');
    expect(typeof WS).toBe('function');
    expect(WS.name).toBe('WebSocket');
    for (const key of ['Server', 'WebSocketServer', 'WebSocket', 'createWebSocketStream', 'Sender']) {
      expect(typeof WS[key], key).toBe(typeof ws[key]);
    }
    expect(WS.WebSocket).toBe(WS);
    expect(WS.Server).toBe(WS.WebSocketServer);
    expect(typeof WS.Sender.frame).toBe('function');
    expect([WS.CONNECTING, WS.OPEN, WS.CLOSING, WS.CLOSED]).toEqual([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED]);
  });

  it('ESM: default export and named exports as in ws/wrapper.mjs', async () => {
    const mod = await import('@uws/ws-compat');
    expect(mod.default).toBe(mod.WebSocket);
    expect(mod.WebSocketServer).toBe(mod.default.Server);
    expect(typeof mod.createWebSocketStream).toBe('function');
    expect(mod.Sender).toBe(mod.default.Sender);
  });
});
