/**
 * The parts of Primus 8 that a transformer touches, typed structurally: Primus ships no
 * TypeScript declarations, and this package must not import Primus's types at run time.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServerOptions } from '@uws/ws-compat';

/** Primus options the transformer reads (Primus fills in `maxLength` and `transport`). */
export interface PrimusOptions {
  /** Largest message accepted, in bytes; Primus's default is 10 485 760. Bigger ends in a 1009 close. */
  maxLength: number;
  /** Offer permessage-deflate to clients. Primus's default: off. */
  compression?: boolean;
  /**
   * Options handed to `@uws/ws-compat`'s `WebSocketServer` (ws's names), merged over the two
   * above; `noServer` and `clientTracking` are always set by the transformer.
   */
  transport: ServerOptions;
}

/** A Spark as its constructor and its events are seen from a transformer. */
export interface SparkLike {
  on(event: 'outgoing::data', fn: (data: string | Buffer | ArrayBuffer | ArrayBufferView) => void): this;
  on(event: 'outgoing::end', fn: () => void): this;
  emit(event: string, ...args: unknown[]): boolean;
}

/** `new this.Spark(headers, address, query, id, request, socket)`. */
export type SparkConstructor = new (
  headers: IncomingMessage['headers'],
  address: unknown,
  query: string | Record<string, string> | undefined,
  id: string | null,
  request: IncomingMessage,
  socket: unknown,
) => SparkLike;

/** `this` inside a transformer's `server` function (an instance of Primus's Transformer). */
export interface TransformerContext {
  primus: { options: PrimusOptions };
  Spark: SparkConstructor;
  service: unknown;
  on(event: 'upgrade', fn: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): this;
  on(event: 'request', fn: (req: IncomingMessage, res: ServerResponse) => void): this;
  once(event: 'close', fn: () => void): this;
}

/** A transformer class as Primus 8 takes it in `options.transformer`. */
export type TransformerConstructor = (new (primus: unknown) => unknown) & {
  extend(members: { server: (this: TransformerContext) => void; client: (...args: unknown[]) => unknown; library?: string }): TransformerConstructor;
};

/** The Primus constructor's statics that registration uses. */
export interface PrimusStatic {
  Transformer: TransformerConstructor;
  transformers: Record<string, { server: string; client: string }>;
}
