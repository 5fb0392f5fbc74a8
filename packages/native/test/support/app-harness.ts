/**
 * Helpers for App integration tests: listening on loopback, ws clients, and waiting for events
 * with bounded time.
 */
import { once } from 'node:events';
import WebSocket, { type ClientOptions } from 'ws';
import { App, type AppOptions, type TemplatedApp } from '../../src/app/app.js';
import type { ListenSocket } from '../../src/app/listen-socket.js';
import type { TransportKind } from './transports.js';

export const HOST = '127.0.0.1';

/** An app listening on a free loopback port. */
export interface Listening {
  app: TemplatedApp;
  port: number;
  url: string;
  token: ListenSocket;
}

/** Creates an app with `setup`, listens on 127.0.0.1:0 and resolves when bound. */
export async function listen(
  transport: TransportKind,
  setup: (app: TemplatedApp) => void,
  options: Omit<AppOptions, 'transport'> = {},
): Promise<Listening> {
  const app = App({ ...options, transport });
  setup(app);
  const token = await new Promise<ListenSocket>((resolve, reject) => {
    app.listen(HOST, 0, (t) => (t ? resolve(t) : reject(new Error('listen failed'))));
  });
  return { app, port: token.port, url: `ws://${HOST}:${token.port}`, token };
}

/** Opens a ws client and resolves once it is open. */
export async function openClient(url: string, options?: ClientOptions, protocols?: string | string[]): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, options);
  await once(ws, 'open');
  return ws;
}

/** Resolves with the next message of a ws client. */
export async function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  const [data, isBinary] = (await once(ws, 'message')) as [Buffer, boolean];
  return { data, isBinary };
}

/** Resolves with a ws client's close code and reason. */
export async function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) throw new Error('already closed');
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
  return { code, reason: reason.toString() };
}

/** A promise with its resolve function, for events inside handlers. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Polls `check` every 10 ms until it is true, failing after `ms`. */
export async function waitFor(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
