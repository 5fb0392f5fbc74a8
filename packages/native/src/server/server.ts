/**
 * `Server`: the node-lws-style API (the original uws package's server): one EventEmitter for
 * every connection, sockets passed to its methods. Runs on an App with one WebSocket route.
 */
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { AppImpl, type CloseOnSignalOptions, type ShutdownOptions } from '../app/app.js';
import { DEDICATED_DECOMPRESSOR, DISABLED, SHARED_COMPRESSOR } from '../app/compress-options.js';
import type { ListenSocket } from '../app/listen-socket.js';
import type { RecognizedString } from '../app/recognized-string.js';
import type { SendStatus } from '../app/send-status.js';
import { type AppWebSocket, type WebSocket } from '../app/websocket.js';
import { Publication } from '../app/publication.js';
import type { TransportChoice } from '../transport/select-transport.js';
import type { TlsOptions } from '../transport/tls-options.js';

/** Options of {@link Server}. */
export interface ServerOptions {
  /** TCP port; 0 picks a free one (read `server.port` after 'listening'). Required. */
  port: number;
  /** Address to bind. Default: every address (dual-stack). */
  host?: string;
  /** Accept WebSockets only on this path (other paths get 404, plain requests 426). Default: every path. */
  path?: string;
  /**
   * Negotiate permessage-deflate: we compress each message afresh (`server_no_context_takeover`,
   * so `broadcast` compresses once for all) when it is 1 KiB or larger; the client keeps its
   * context. Default: false.
   */
  perMessageDeflate?: boolean;
  /** Largest message received, in bytes; larger closes with 1009. Default: 100 MiB (ws's). */
  maxPayload?: number;
  /** Seconds without traffic before a connection is dropped (pings are sent at half). 0 disables. Default: 120. */
  idleTimeout?: number;
  /** The transport to run on. Default: `'auto'`. */
  transport?: TransportChoice;
  /** Serve `wss://` with these TLS options (key, cert, …; see `SSLApp`). Default: plain `ws://`. */
  tls?: TlsOptions;
}

/** A connection of a {@link Server}: pass it to the server's methods. */
export type ServerSocket = WebSocket<ServerSocketData>;

/** What a server keeps on each socket. */
interface ServerSocketData {
  data: unknown;
}

/** Events of a {@link Server}. */
export interface ServerEvents {
  /** Listening; `server.port` is known. */
  listening: [];
  /** A WebSocket connected: pass `socket` to `send`, `setUserData`, ... */
  connection: [socket: ServerSocket];
  /** A message; `message` is a copy (a Buffer that stays valid), text or binary as `binary` says. */
  message: [socket: ServerSocket, message: Buffer, binary: boolean];
  /** A connection closed (for any reason: the socket cannot be used any more). */
  close: [socket: ServerSocket, code: number, reason: Buffer];
  /** Listening failed. */
  error: [error: Error];
}

const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;
const COMPRESS_THRESHOLD = 1024;

/**
 * The node-lws-style server: `new Server(port | options, onListening?)` listens at once; one
 * EventEmitter for every connection ({@link ServerEvents}), sockets passed to its methods.
 * Messages are copied Buffers that stay valid. Options and their defaults: {@link ServerOptions}.
 */
export class Server extends EventEmitter<ServerEvents> {
  private readonly app: AppImpl;
  private readonly sockets = new Set<AppWebSocket<ServerSocketData>>();
  private readonly compress: boolean;
  private closed = false;
  private boundPort = 0;

  /**
   * Creates the server and starts listening.
   * @param options a port, or {@link ServerOptions}.
   * @param onListening added as a 'listening' listener.
   */
  constructor(options: number | ServerOptions, onListening?: () => void) {
    super();
    const opts: ServerOptions = typeof options === 'number' ? { port: options } : options;
    if (typeof opts.port !== 'number') throw new TypeError('Server needs a port');
    this.compress = opts.perMessageDeflate === true;
    this.app = new AppImpl({ transport: opts.transport, tls: opts.tls });
    this.app.ws<ServerSocketData>(opts.path ?? '/*', {
      compression: this.compress ? SHARED_COMPRESSOR | DEDICATED_DECOMPRESSOR : DISABLED,
      maxPayloadLength: opts.maxPayload ?? DEFAULT_MAX_PAYLOAD,
      idleTimeout: opts.idleTimeout ?? 120,
      maxBackpressure: 0, // node-lws buffered without a limit; bufferedAmount tells the caller
      upgrade: (res, req, context) => {
        res.upgrade<ServerSocketData>(
          { data: undefined },
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (ws) => {
        this.sockets.add(ws as AppWebSocket<ServerSocketData>);
        this.emit('connection', ws);
      },
      message: (ws, message, isBinary) => {
        this.emit('message', ws, Buffer.from(message), isBinary);
      },
      close: (ws, code, reason) => {
        this.sockets.delete(ws as AppWebSocket<ServerSocketData>);
        this.emit('close', ws, code, Buffer.from(reason));
      },
    });
    if (onListening !== undefined) this.once('listening', onListening);
    this.listen(opts);
  }

  /** The bound port (0 until 'listening'). */
  get port(): number {
    return this.boundPort;
  }

  /** Number of open connections. */
  get clientCount(): number {
    return this.sockets.size;
  }

  /**
   * Sends a message to one socket (binary by default for bytes, text for strings). Returns the
   * App's send status (1 sent, 0 queued behind backpressure).
   * @throws {ClosedSocketError} when the socket is closed.
   */
  send(socket: ServerSocket, message: RecognizedString, binary = typeof message !== 'string'): SendStatus {
    return socket.send(message, binary, this.compress ? byteLength(message) >= COMPRESS_THRESHOLD : false);
  }

  /** Sends a message to every open socket, framed (and compressed) once. */
  broadcast(message: RecognizedString, binary = typeof message !== 'string'): void {
    if (this.sockets.size === 0) return;
    const compress = this.compress && byteLength(message) >= COMPRESS_THRESHOLD;
    const publication = new Publication(message, binary, compress);
    const batch = this.app.transport.batch;
    for (const ws of this.sockets) ws.sendPublication(publication, batch);
  }

  /** Attaches any value to a socket. */
  setUserData(socket: ServerSocket, data: unknown): void {
    socket.getUserData().data = data;
  }

  /** The value attached with {@link setUserData} (undefined by default). */
  getUserData(socket: ServerSocket): unknown {
    return socket.getUserData().data;
  }

  /**
   * Forced close: stops listening and drops every connection at once, queued data included
   * ('close' is emitted for each, with 1006). See {@link shutdown} for the graceful one.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.app.close();
  }

  /**
   * Graceful close: stops accepting, sends every connection its queued data then a close frame
   * (1001 by default; 'close' is emitted for each then), waits for the close handshakes up to
   * `timeout` seconds (default 10), then drops the rest. See the App's `shutdown`.
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    this.closed = true;
    return this.app.shutdown(options);
  }

  /**
   * One-line graceful shutdown: on SIGTERM or SIGINT (or `options.signals`), {@link shutdown},
   * then the signal is raised again so the process ends as it would have. See the App's
   * `closeOnSignal`.
   */
  closeOnSignal(options?: CloseOnSignalOptions): this {
    this.app.closeOnSignal(options);
    return this;
  }

  private listen(opts: ServerOptions): void {
    let result;
    try {
      result = this.app.startListening({ host: opts.host, port: opts.port });
    } catch (error) {
      process.nextTick(() => this.fail(error as Error));
      return;
    }
    const done = (socket: ListenSocket): void => {
      this.boundPort = socket.port;
      this.emit('listening');
    };
    if (result instanceof Promise) result.then(done, (error: Error) => this.fail(error));
    // Deferred so that listeners attached right after the constructor see it.
    else process.nextTick(done, result);
  }

  private fail(error: Error): void {
    if (!this.closed) this.emit('error', error);
  }
}

function byteLength(message: RecognizedString): number {
  if (typeof message === 'string') return Buffer.byteLength(message, 'utf8');
  return message.byteLength;
}
