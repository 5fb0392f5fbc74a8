/**
 * The package's shape, as users load it (the built dist, as `turbo test` builds it first):
 * `require()` gives the WebSocket class with ws's statics, `import` gives the default and the
 * named exports, the same as ws's own CommonJS and ESM entries.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
// By name, through the package's exports (a variable: typechecking must not need a build).
const PACKAGE = '@uws/ws-compat';
/** The built package, typed as the sources it is built from (CommonJS: module.exports is the default export). */
type Entry = typeof import('../src/index.js');

describe('package exports', () => {
  it('CommonJS: module.exports is WebSocket with .Server, .WebSocketServer, .WebSocket, .createWebSocketStream, .Sender', () => {
    const WS = require(PACKAGE) as Entry['default'];
    const ws = require('ws') as Record<string, unknown>;
    expect(typeof WS).toBe('function');
    expect(WS.name).toBe('WebSocket');
    for (const key of ['Server', 'WebSocketServer', 'WebSocket', 'createWebSocketStream', 'Sender']) {
      expect(typeof (WS as unknown as Record<string, unknown>)[key], key).toBe(typeof ws[key]);
    }
    expect(WS.WebSocket).toBe(WS);
    expect(WS.Server).toBe(WS.WebSocketServer);
    expect(typeof WS.Sender.frame).toBe('function');
    expect([WS.CONNECTING, WS.OPEN, WS.CLOSING, WS.CLOSED]).toEqual([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED]);
  });

  it('ESM: default export and named exports as in ws/wrapper.mjs', async () => {
    const mod = (await import(PACKAGE)) as Entry;
    expect(mod.default).toBe(mod.WebSocket);
    expect(mod.WebSocketServer).toBe(mod.default.Server);
    expect(typeof mod.createWebSocketStream).toBe('function');
    expect(mod.Sender).toBe(mod.default.Sender);
  });

  it('the built CommonJS entry runs a server and a client end to end', async () => {
    const WS = require(PACKAGE) as Entry['default'];
    const wss = new WS.Server({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo ${(m as Buffer).toString()}`)));
    const client = new WS(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    await once(client, 'open');
    client.send('hi');
    const [reply] = (await once(client, 'message')) as [Buffer, boolean];
    expect(String(reply)).toBe('echo hi');
    client.close();
    await once(client, 'close');
    await new Promise((resolve) => wss.close(resolve));
  });

  it('the built ESM entry does the same (run as an ES module of its own)', () => {
    const script = `
      import WebSocket, { WebSocketServer } from '@uws/ws-compat';
      const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' }, () => {
        const c = new WebSocket('ws://127.0.0.1:' + wss.address().port);
        c.on('open', () => c.send('hi'));
        c.on('message', (m) => { process.stdout.write('echo ' + m); c.close(); });
        c.on('close', () => wss.close());
      });
      wss.on('connection', (ws) => ws.on('message', (m) => ws.send(m)));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: import.meta.dirname, timeout: 20_000 });
    expect(out.toString()).toBe('echo hi');
  });
});
