// Primus 8 as an echo server: every message goes back to its spark, the way a Primus
// application answers. json parser, no compression (Primus's defaults), default heartbeats
// (30 s); the transformer is the caller's choice, so that swapping it is one option.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { HOST, MAX_PAYLOAD, failed, port, ready } from './common.mjs';

const require = createRequire(import.meta.url);
const Primus = require('primus');

/** Starts the server; `transformer` is Primus's `transformer` option. */
export function servePrimus(transformer, detail = '') {
  const p = port();
  const http = createServer();
  const primus = new Primus(http, { transformer, maxLength: MAX_PAYLOAD });
  primus.on('connection', (spark) => {
    spark.on('data', (data) => spark.write(data));
  });
  http.once('error', (e) => failed(e.message));
  http.listen(p, HOST, () => ready(p, detail));
}
