/** Shared helpers of the ws-compat suites. */
import { once } from 'node:events';
import net from 'node:net';
import { epollAvailable } from '@uws/native';
import { WebSocketServer as RealServer, type ServerOptions as RealServerOptions } from 'ws';
import { WebSocketServer, type ServerOptions } from '../../src/index.js';

export type Kind = 'node' | 'epoll';
/**
 * Whether the native addon loads, so the epoll transport is tested too. On Linux it is built at
 * install: under `CI=true` an addon that does not load fails the suites instead of letting them
 * pass on node:net alone; elsewhere they warn and run on node:net.
 */
export const epoll = ((): boolean => {
  if (epollAvailable()) return true;
  const reason = 'ws-compat tests: the native addon of @uws/native does not load, so the epoll transport is not tested (pnpm install builds it)';
  if (process.env.CI === 'true' && process.platform === 'linux') throw new Error(reason);
  console.warn(reason);
  return false;
})();
/** The transports a `port` server is tested on: node:net always, epoll when the addon loads. */
export const kinds: Kind[] = epoll ? ['epoll', 'node'] : ['node'];

/** A listening `port` server on 127.0.0.1 and its port. */
export async function listen(options: Omit<ServerOptions, 'port'> = {}): Promise<{ wss: WebSocketServer; port: number; url: string }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  await once(wss, 'listening');
  const port = (wss.address() as net.AddressInfo).port;
  return { wss, port, url: `ws://127.0.0.1:${port}` };
}

/** Closes a server after terminating its clients. */
export async function shutdown(wss: WebSocketServer): Promise<void> {
  for (const ws of wss.clients ?? []) ws.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}

/** A listening server of ws itself on 127.0.0.1 (the reference the suites compare with). */
export async function listenRealWs(options: RealServerOptions = {}): Promise<{ wss: RealServer; port: number; url: string }> {
  const wss = new RealServer({ port: 0, host: '127.0.0.1', ...options });
  await once(wss, 'listening');
  const port = (wss.address() as net.AddressInfo).port;
  return { wss, port, url: `ws://127.0.0.1:${port}` };
}

/** Closes a ws server after terminating its clients. */
export function closeRealWs(wss: RealServer): Promise<void> {
  for (const c of wss.clients) c.terminate();
  return new Promise<void>((resolve) => wss.close(() => resolve()));
}

/** Polls until `check()` is true. */
export async function waitFor(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sends a raw HTTP request and returns everything the server answers until it closes. */
export async function rawRequest(port: number, text: string, keepOpenMs = 0): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let got = '';
  socket.on('data', (c: Buffer) => (got += c.toString('latin1')));
  socket.write(text);
  if (keepOpenMs > 0) {
    await new Promise((r) => setTimeout(r, keepOpenMs));
    socket.destroy();
    return got;
  }
  await once(socket, 'close');
  return got;
}

/** An upgrade request head. */
export function upgradeRequest(path = '/', extra: string[] = [], key = 'dGhlIHNhbXBsZSBub25jZQ=='): string {
  return [`GET ${path} HTTP/1.1`, 'Host: localhost', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13', ...extra, '', ''].join('\r\n');
}

/** A masked client frame. */
export function clientFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | len]) : Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([head, mask, body]);
}
