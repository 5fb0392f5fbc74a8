/** Socket.IO servers on the wsEngine face, and clients, for the ws-engine suites. */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { epollAvailable } from '@uws/native';
import { Server, type ServerOptions } from 'socket.io';
import { type ManagerOptions, type Socket as ClientSocket, type SocketOptions, io as connect } from 'socket.io-client';
import { createUwsEngine } from '../../src/index.js';

export type Kind = 'epoll' | 'node';
/**
 * Whether the native addon loads, so the epoll transport is tested too. On Linux it is built at
 * install: under `CI=true` an addon that does not load fails the suites instead of letting them
 * pass on node:net alone; elsewhere they warn and run on node:net.
 */
export const epoll = ((): boolean => {
  if (epollAvailable()) return true;
  const reason = '@uws/socketio wsEngine tests: the native addon of @uws/native does not load, so the epoll transport is not tested (pnpm install builds it)';
  if (process.env.CI === 'true' && process.platform === 'linux') throw new Error(reason);
  console.warn(reason);
  return false;
})();
/** The transports the face runs on: the native loop where the addon loads, and node:net always. */
export const kinds: Kind[] = epoll ? ['epoll', 'node'] : ['node'];

/** Cleanups of the running test, run in reverse order by {@link runCleanups}. */
const cleanups: Array<() => unknown> = [];
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}
export async function runCleanups(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn();
}

export interface Running {
  io: Server;
  httpServer: http.Server;
  port: number;
  url: string;
}

/** A Socket.IO server on a fresh http server on 127.0.0.1 with the face on `kind`. */
export async function startIo(kind: Kind, options: Partial<ServerOptions> = {}, httpServer = http.createServer()): Promise<Running> {
  const io = new Server(httpServer, { wsEngine: createUwsEngine({ transport: kind }), ...options });
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  onCleanup(() => new Promise<void>((resolve) => void io.close(() => resolve())));
  const port = (httpServer.address() as AddressInfo).port;
  return { io, httpServer, port, url: `http://127.0.0.1:${port}` };
}

/** A socket.io-client socket, closed after the test. */
export function client(url: string, options: Partial<ManagerOptions & SocketOptions> = {}): ClientSocket {
  const socket = connect(url, { forceNew: true, reconnection: false, ...options });
  onCleanup(() => socket.close());
  return socket;
}

/** Resolves on `event` (first argument), rejects on `connect_error` or after `ms`. */
export function next<T = unknown>(emitter: { once(event: string, fn: (...args: unknown[]) => void): unknown }, event: string, ms = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for '${event}'`)), ms);
    emitter.once(event, (value) => {
      clearTimeout(timer);
      resolve(value as T);
    });
    if (event !== 'connect_error') {
      emitter.once('connect_error', (error) => {
        clearTimeout(timer);
        const reason = error as Error;
        reject(reason);
      });
    }
  });
}

/** A connected client. */
export async function connected(url: string, options: Partial<ManagerOptions & SocketOptions> = {}): Promise<ClientSocket> {
  const socket = client(url, options);
  await next(socket, 'connect');
  return socket;
}

/** Polls until `check()` is true. */
export async function waitFor(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
