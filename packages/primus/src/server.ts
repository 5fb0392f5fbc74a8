/**
 * The server half of the transformer: runs as Primus's `Transformer#server`, with `this` the
 * transformer. Upgrades on Primus's path go to `@uws/ws-compat` (`noServer` + `handleUpgrade`),
 * which moves a plain TCP or Unix-socket connection onto the native loop and serves TLS
 * sockets through node:net; each WebSocket is wired to a Spark by Primus's event contract.
 *
 * The handlers are shared module functions that find their peer through `this` (the Spark's
 * `socket` field, the WebSocket's spark slot) instead of closures made per connection: an idle
 * connection then costs no function objects of its own here.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from '@uws/ws-compat';
import type { SparkLike, TransformerContext } from './primus-contract.js';

const kSpark = Symbol('primus spark');
type Wired = WebSocket & { [kSpark]: SparkLike | null };
type SparkWithSocket = SparkLike & { socket: Wired };

/** The query string of a request URL, without the `?` (what `url.parse(url).query` gives). */
function queryOf(url: string | undefined): string {
  if (url === undefined) return '';
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}

// Spark → WebSocket (`this` is the Spark).
function onOutgoingData(this: SparkWithSocket, data: unknown): void {
  const ws = this.socket;
  if (ws.readyState !== 1) return;
  ws.send(data as Parameters<WebSocket['send']>[0]);
}
function onOutgoingEnd(this: SparkWithSocket): void {
  this.socket.close();
}

// WebSocket → Spark (`this` is the WebSocket). Text reaches the parser as a string, binary as a Buffer.
function onMessage(this: Wired, data: Buffer, isBinary: boolean): void {
  this[kSpark]?.emit('incoming::data', isBinary ? data : data.toString());
}
// ws's errors (a message over maxLength: 1009; invalid UTF-8: 1007) end the spark; the close
// frame with the code is sent by the WebSocket itself.
function onError(this: Wired, err: Error): void {
  this[kSpark]?.emit('incoming::error', err);
}
// A WebSocket-level ping from the client counts as a heartbeat, as with `websockets`.
function onPing(this: Wired): void {
  this[kSpark]?.emit('incoming::pong');
}
function onClose(this: Wired): void {
  const spark = this[kSpark];
  this.removeAllListeners();
  this[kSpark] = null;
  spark?.emit('incoming::end');
}

/** The server half of the transformer (Primus calls it with the transformer as `this`): wires the uws server to Primus's sparks. */
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
  const Spark = this.Spark;

  const connected = (ws: WebSocket, req: IncomingMessage): void => {
    // Primus's `websockets` transformer passes the request as the address too: the spark's
    // `address` then comes from `req.forwarded`, which Primus's middleware set already.
    const spark = new Spark(req.headers, req, queryOf(req.url), null, req, ws);
    (ws as Wired)[kSpark] = spark;
    spark.on('outgoing::data', onOutgoingData);
    spark.on('outgoing::end', onOutgoingEnd);
    // binaryType stays 'nodebuffer': a message is one Buffer.
    ws.on('message', onMessage as unknown as (data: unknown, isBinary: boolean) => void);
    ws.on('error', onError);
    ws.on('ping', onPing);
    ws.on('close', onClose);
  };
  this.on('upgrade', (req, socket, head) =>
    // The spark keeps the request; on the native loop its `socket` is the connection's
    // facade (remoteAddress, remotePort, ...), not the dead net.Socket (see ws-compat).
    service.handleUpgrade(req, socket, head, connected),
  );

  // Plain HTTP on Primus's path (other than primus.js and the spec, which Primus serves itself).
  this.on('request', (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end(STATUS_CODES[426]);
  });

  this.once('close', () => service.close());
}
