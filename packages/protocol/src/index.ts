/**
 * @uws/protocol — a sans-IO RFC 6455 + RFC 7692 WebSocket codec: bytes in, events out; calls
 * in, bytes out. No sockets, no timers: the caller owns IO and time.
 */
export * from './errors.js';
export * from './opcodes.js';
export * from './close-codes.js';
export * from './role.js';
export * from './deflate/params.js';
export * from './utf8-validator.js';
export {
  unmaskInPlace,
  maskInto,
  writeRandomMaskKey,
  setUnmaskAccelerator,
  UNMASK_ACCELERATOR_MIN_BYTES,
  type UnmaskAccelerator,
} from './mask.js';
export * from './frame-parser.js';
export * from './frame-serializer.js';
export * from './deflate/streams.js';
export { zlibCompression } from './deflate/zlib-streams.js';
export * from './output-sink.js';
export * from './prepared-message.js';
export * from './connection.js';
export * from './http-head.js';
export * from './extensions-header.js';
export * from './deflate/negotiation.js';
export * from './handshake/server-rules.js';
export * from './handshake/client-rules.js';
export * from './handshake/server.js';
export * from './handshake/client.js';
