/**
 * @uws/native — the uws server: an App (uWebSockets.js style), a Server (node-lws style) and a
 * Client, over a transport that is the C++ epoll loop where available and node:net elsewhere.
 */
export { App, SSLApp, type TemplatedApp, type AppOptions, type AppListenOptions, type ListenCallback, type ShutdownOptions, type CloseOnSignalOptions } from './app/app.js';
export type { WebSocket } from './app/websocket.js';
export type { WebSocketBehavior, UpgradeContext } from './app/websocket-behavior.js';
export type { HttpRequest } from './app/http-request.js';
export type { HttpResponse, HttpHandler } from './app/http-response.js';
export type { RecognizedString } from './app/recognized-string.js';
export { ClosedSocketError } from './app/closed-socket-error.js';
export { BACKPRESSURE, SUCCESS, DROPPED, type SendStatus } from './app/send-status.js';
export {
  ListenSocket,
  type us_listen_socket,
  us_listen_socket_close,
  closeListenSocket,
  us_socket_local_port,
} from './app/listen-socket.js';
export {
  type CompressOptions,
  DISABLED,
  SHARED_COMPRESSOR,
  SHARED_DECOMPRESSOR,
  DEDICATED_COMPRESSOR,
  DEDICATED_COMPRESSOR_3KB,
  DEDICATED_COMPRESSOR_4KB,
  DEDICATED_COMPRESSOR_8KB,
  DEDICATED_COMPRESSOR_16KB,
  DEDICATED_COMPRESSOR_32KB,
  DEDICATED_COMPRESSOR_64KB,
  DEDICATED_COMPRESSOR_128KB,
  DEDICATED_COMPRESSOR_256KB,
  DEDICATED_DECOMPRESSOR,
  DEDICATED_DECOMPRESSOR_512B,
  DEDICATED_DECOMPRESSOR_1KB,
  DEDICATED_DECOMPRESSOR_2KB,
  DEDICATED_DECOMPRESSOR_4KB,
  DEDICATED_DECOMPRESSOR_8KB,
  DEDICATED_DECOMPRESSOR_16KB,
  DEDICATED_DECOMPRESSOR_32KB,
} from './app/compress-options.js';
export type { Broker, BrokerHost, BrokerStats, BrokerEvents } from './broker/broker.js';
export { BrokerBase } from './broker/broker-base.js';
export { ThreadBroker, type ThreadBrokerOptions } from './broker/thread-broker.js';
export { startWorkerPool, WorkerPool, type WorkerPoolOptions, type WorkerPoolEvents, type WorkerAppFactory, type WorkerContext } from './pool/worker-pool.js';
export { Server, type ServerOptions, type ServerSocket, type ServerEvents } from './server/server.js';
export { Client, connect, type ClientOptions, type ClientEvents, type ClientState } from './client/client.js';
export { createTransport, epollAvailable, type TransportChoice } from './transport/select-transport.js';
export { NodeTransport } from './transport/node-transport.js';
export { EpollTransport } from './transport/epoll-transport.js';
export type {
  Transport,
  TransportHandler,
  ListenOptions,
  ListenHandle,
  SocketId,
  TlsContext,
  TlsConnectOptions,
} from './transport/transport.js';
export type { TlsOptions, TlsClientOptions, TlsSocketInfo, PemSource, ResolvedTlsOptions } from './transport/tls-options.js';
export { resolveClientTls, resolveServerTls } from './transport/tls-options.js';
// The socket table and hub the App, the Client and @uws/ws-compat keep their sockets in (one
// per package build, not a subpath: a second entry would give the CommonJS build a second
// copy of `hubFor`'s registry, and two hubs cannot share one transport).
export { SocketTable, compactId } from './transport/socket-table.js';
export { SocketHub, hubFor, type HubEntry, type AcceptFn, type DeferredCallback } from './transport/socket-hub.js';
export { rethrowOnNextTick } from './rethrow-on-next-tick.js';
// The one-tick fan-out memory of the adapters whose users send to each socket themselves.
export { sharedMessageFrame, sharedFrameList, sharedPayloadLength } from './fan-out/tick-frame-memo.js';
