/**
 * The server half of the transformer: runs as Primus's `Transformer#server`, with `this` the
 * transformer. Upgrades on Primus's path go to `@uws/ws-compat` (`noServer` + `handleUpgrade`),
 * which moves a plain TCP or Unix-socket connection onto the native loop and serves TLS
 * sockets through node:net; each WebSocket is wired to a Spark by Primus's event contract.
 */
import { STATUS_CODES } from 'node:http';
import { WebSocketServer, type WebSocket } from '@uws/ws-compat';
import type { TransformerContext } from './primus-contract.js';

/** The query string of a request URL, without the `?` (what `url.parse(url).query` gives). */
function queryOf(url: string | undefined): string {
  if (url === undefined) return '';
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}

export function server(this: TransformerContext): void {
  const options = this.primus.options;
  const service = new WebSocketServer({
    perMessageDeflate: !!options.compression,
    maxPayload: options.maxLength,
    ...options.transport,
    clientTracking: false,
    noServer: true,
  });
  this.service = service;

  this.on('upgrade', (req, socket, head) => {
    service.handleUpgrade(req, socket, head, (ws) => {
      // Primus's `websockets` transformer passes the request as the address too: the spark's
      // `address` then comes from `req.forwarded`, which Primus's middleware set already.
      const spark = new this.Spark(req.headers, req, queryOf(req.url), null, req, ws);
      let live: WebSocket | null = ws;

      spark.on('outgoing::data', (data) => {
        if (live === null || live.readyState !== 1) return;
        live.send(data as Parameters<WebSocket['send']>[0]);
      });
      spark.on('outgoing::end', () => {
        if (live !== null) live.close();
      });

      ws.on(
        'message',
        spark.emits('incoming::data', (next, data: Buffer, isBinary: boolean) => {
          next(undefined, isBinary ? data : data.toString());
        }),
      );
      // ws's errors (a message over maxLength: 1009; invalid UTF-8: 1007) end the spark;
      // the close frame with the code is sent by the WebSocket itself.
      ws.on('error', spark.emits('incoming::error'));
      // A WebSocket-level ping from the client counts as a heartbeat, as with `websockets`.
      ws.on('ping', spark.emits('incoming::pong', (next) => next(undefined, null)));
      ws.on(
        'close',
        spark.emits('incoming::end', (next) => {
          ws.removeAllListeners();
          live = null;
          next(undefined);
        }),
      );
    });
  });

  // Plain HTTP on Primus's path (other than primus.js and the spec, which Primus serves itself).
  this.on('request', (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end(STATUS_CODES[426]);
  });

  this.once('close', () => service.close());
}
