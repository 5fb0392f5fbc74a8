/**
 * Starts the native engine on a free loopback port, optionally with Socket.IO bound to it,
 * and speaks raw engine.io over HTTP for the protocol-level tests.
 */
import { Server, type ServerOptions } from 'socket.io';
import { NativeEngine, type AttachOptions, type EngineOptions } from '../../src/index.js';

export interface Started {
  engine: NativeEngine;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startEngine(options: EngineOptions = {}, path = '/engine.io', attach: AttachOptions = {}): Promise<Started> {
  const engine = new NativeEngine(options);
  const { port } = await engine.listen(0, { ...attach, path, host: '127.0.0.1' });
  return {
    engine,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      engine.close();
      await new Promise((r) => setTimeout(r, 20));
    },
  };
}

export interface StartedIo extends Started {
  io: Server;
}

export async function startIo(engineOptions: EngineOptions = {}, ioOptions: Partial<ServerOptions> = {}): Promise<StartedIo> {
  const started = await startEngine(engineOptions, '/socket.io');
  const io = new Server(ioOptions);
  io.bind(started.engine);
  return {
    ...started,
    io,
    close: async () => {
      void io.close();
      await new Promise((r) => setTimeout(r, 20));
    },
  };
}

/** The sid of a raw v4 polling handshake, with the open packet's fields. */
export async function pollingHandshake(url: string, query = 'EIO=4&transport=polling', init: RequestInit = {}): Promise<{ sid: string; open: Record<string, unknown>; res: Response }> {
  const res = await fetch(`${url}/engine.io/?${query}`, init);
  const body = await res.text();
  if (!body.startsWith('0')) throw new Error(`not an open packet: ${res.status} ${body}`);
  const open = JSON.parse(body.slice(1)) as Record<string, unknown>;
  return { sid: open.sid as string, open, res };
}

export function once<T = unknown[]>(emitter: { once(event: string, cb: (...args: unknown[]) => void): unknown }, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args as T)));
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
