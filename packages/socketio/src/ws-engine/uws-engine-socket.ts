/**
 * The WebSocket that {@link UwsEngine} makes for each connection: `@uws/ws-compat`'s WebSocket
 * (engine.io's `send(data, cb)`, `send(data, { compress }, cb)`, `_sender.sendFrame`,
 * `_socket.remoteAddress`). Its broadcasts (one Buffer, or one socket.io-adapter frame list,
 * written to many sockets in one tick) are framed once by ws-compat's own send path.
 */
import { WebSocket } from '@uws/ws-compat';

/** The WebSocket {@link UwsEngine} makes for each connection (a name of its own for engine.io's `WebSocket` option). */
export class UwsEngineSocket extends WebSocket {}
