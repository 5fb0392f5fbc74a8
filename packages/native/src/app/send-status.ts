/**
 * What `WebSocket.send` returns, numbered as in uWebSockets.js.
 */

/** The message was queued and some bytes wait to be sent: slow down until `drain`. */
export const BACKPRESSURE = 0;
/** The message was handed on without building up backpressure. */
export const SUCCESS = 1;
/** The message was not sent: the socket's backpressure was past `maxBackpressure`. */
export const DROPPED = 2;

/** `BACKPRESSURE` (0), `SUCCESS` (1) or `DROPPED` (2). */
export type SendStatus = typeof BACKPRESSURE | typeof SUCCESS | typeof DROPPED;
