/**
 * Registration by name. Primus 8 loads a named transformer with
 * `require('./transformers/' + name)` from its own folder, so only the names it ships resolve;
 * `uws` is one of them (its own µWS transformer, which needs the withdrawn `uws` npm package).
 * Registering puts `UwsTransformer` into Node's module cache under that file, so
 * `transformer: 'uws'` gets this package.
 */
import { Module, createRequire } from 'node:module';
import type { PrimusStatic } from './primus-contract.js';
import { UwsTransformer } from './transformer.js';

/** The name Primus resolves to `UwsTransformer` after `registerUwsTransformer()`. */
export const TRANSFORMER_NAME = 'uws';

/**
 * Makes `new Primus(server, { transformer: 'uws' })` use `UwsTransformer`. Pass your `Primus`
 * to check that it is the copy this package resolves (a different copy would not see the
 * registration: an Error says so). Idempotent.
 */
export function registerUwsTransformer(Primus?: PrimusStatic): void {
  const load = createRequire(import.meta.url);
  const main = load.resolve('primus');
  const ours = load(main) as PrimusStatic;
  if (Primus !== undefined && Primus !== ours) {
    throw new Error(
      `registerUwsTransformer: the Primus given is not the copy @uws/primus resolves (${main}); ` +
        'pass { transformer: UwsTransformer } to that Primus instead',
    );
  }
  const file = createRequire(main).resolve(`./transformers/${TRANSFORMER_NAME}`);
  const entry = new Module(file);
  entry.filename = file;
  entry.loaded = true;
  entry.exports = UwsTransformer;
  load.cache[file] = entry;
  ours.transformers[TRANSFORMER_NAME] = { server: '@uws/primus', client: 'ws' };
}
