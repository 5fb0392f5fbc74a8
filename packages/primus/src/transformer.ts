/**
 * `UwsTransformer`: Primus's own Transformer, extended with our server half and Primus's
 * `websockets` client half (the function Primus serializes into primus.js; in Node its
 * `primus.Socket` connects with the `ws` package, in browsers with the WebSocket global).
 */
import { createRequire } from 'node:module';
import type { TransformerConstructor } from './primus-contract.js';
import { server } from './server.js';

// Primus is CommonJS without an `exports` map: its files are reached by path from the peer.
const load = createRequire(import.meta.url);
const Transformer = load('primus/transformer') as TransformerConstructor;
const client = load('primus/transformers/websockets/client') as (...args: unknown[]) => unknown;

/** The transformer class: `new Primus(server, { transformer: UwsTransformer })`. */
export const UwsTransformer: TransformerConstructor = Transformer.extend({ server, client });
