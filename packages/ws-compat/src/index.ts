/**
 * @uws/ws-compat — the ws 8 API on the uws transport: swap `require('ws')` for it.
 *
 * `WebSocket` (default export, with `.Server`, `.WebSocketServer`, `.WebSocket`,
 * `.createWebSocketStream`, `.Sender`), `WebSocketServer`, `createWebSocketStream`.
 */
import * as client from './client.js';
import { Sender } from './sender.js';
import { WebSocketServer } from './server.js';
import { createWebSocketStream } from './stream.js';
import { WebSocket, registerClientModule } from './websocket.js';

// The client half is wired in here, not by an import side effect (the package is sideEffects: false).
registerClientModule(client);

/** ws's shape: the class carries the rest of the API as statics. */
type WebSocketWithStatics = typeof WebSocket & {
  WebSocket: typeof WebSocket;
  WebSocketServer: typeof WebSocketServer;
  Server: typeof WebSocketServer;
  createWebSocketStream: typeof createWebSocketStream;
  Sender: typeof Sender;
};

/** The `WebSocket` class carrying ws's statics (`WebSocketServer`, `Server`, `createWebSocketStream`, `Sender`), as `require('ws')`. */
const WS = WebSocket as WebSocketWithStatics;
WS.WebSocket = WebSocket;
WS.WebSocketServer = WebSocketServer;
WS.Server = WebSocketServer;
WS.createWebSocketStream = createWebSocketStream;
WS.Sender = Sender;

export default WS;
export { WebSocket, WebSocketServer, WebSocketServer as Server, createWebSocketStream, Sender };
export type { Data, SendOpts } from './websocket.js';
export type { SocketFacade } from './socket-facade.js';
export type { ServerOptions, PerMessageDeflateOptions, VerifyClientInfo, VerifyClientCallbackSync, VerifyClientCallbackAsync } from './server.js';
export type { ClientOptions, ClientRequestFacade } from './client.js';
export type { FrameOptions } from './sender.js';
export { CloseEvent, ErrorEvent, Event, MessageEvent } from './event-target.js';
export type { BinaryType } from './constants.js';
export type { CloseOnSignalOptions } from './close-on-signal.js';
