/**
 * @uws/primus — a Primus 8 transformer on the uws transport:
 * `new Primus(server, { transformer: UwsTransformer })`, or `registerUwsTransformer()` and
 * `transformer: 'uws'`.
 */
export { UwsTransformer } from './transformer.js';
export { registerUwsTransformer, TRANSFORMER_NAME } from './register.js';
export { server as uwsServer } from './server.js';
export type { PrimusOptions, PrimusStatic, SparkConstructor, SparkLike, TransformerConstructor, TransformerContext } from './primus-contract.js';
export { UwsTransformer as default } from './transformer.js';
