/**
 * A Primus server on Node's http (or https) server with our transformer, listening on a free
 * loopback port or on a Unix socket, and the URL its Node client (`primus.Socket`) connects to.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UwsTransformer } from '../../src/index.js';

const require = createRequire(import.meta.url);
/** Primus 8 (CommonJS, untyped). */
 
export const Primus: any = require('primus');

export type Where = 'tcp' | 'unix';

export interface Started {
   
  primus: any;
  server: http.Server | https.Server;
  /** The URL for `new primus.Socket(url)` (`http://127.0.0.1:port` or `ws+unix://path`). */
  url: string;
  /** An http(s) URL for plain requests to `pathname` (TCP only). */
  httpUrl?: string;
  socketPath?: string;
  /** The Node client class of this Primus (its primus.js run in a vm). */
   
  Socket: any;
  /** Opens a client to the server; `query` is appended to the URL. */
   
  connect(options?: Record<string, unknown>, query?: string): any;
  close(): Promise<void>;
}

export async function startPrimus(
  where: Where,
  options: Record<string, unknown> = {},
  tls?: https.ServerOptions,
  before?: (server: http.Server | https.Server) => void,
): Promise<Started> {
  const server = tls ? https.createServer(tls) : http.createServer();
  before?.(server);
  const primus = new Primus(server, { transformer: UwsTransformer, ...options });
  let url: string;
  let httpUrl: string | undefined;
  let dir: string | undefined;
  let socketPath: string | undefined;
  if (where === 'unix') {
    dir = mkdtempSync(path.join(tmpdir(), 'uws-primus-'));
    socketPath = path.join(dir, 'primus.sock');
    server.listen(socketPath);
    await once(server, 'listening');
    // Primus's client turns ws+unix://<path> into ws+unix:<path>:<pathname> for ws.
    url = `ws+unix://${socketPath}`;
  } else {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    httpUrl = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    url = httpUrl;
  }
  const Socket = primus.Socket;
   
  const clients: any[] = [];
  return {
    primus,
    server,
    url,
    httpUrl,
    socketPath,
    Socket,
    connect(clientOptions = {}, query = '') {
      const client = new Socket(query ? `${url}${where === 'unix' ? '' : '/'}?${query}` : url, clientOptions);
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.end();
      await new Promise<void>((resolve) => primus.destroy({ close: true, timeout: 0 }, () => resolve()));
      server.closeAllConnections?.();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves with the next `event` of `emitter` (an EventEmitter or eventemitter3), or rejects after `ms`. */
 
export function next<T = unknown>(emitter: any, event: string, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
    emitter.once(event, (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args[0] as T);
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
