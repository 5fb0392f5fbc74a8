/**
 * The outcome of permessage-deflate negotiation (RFC 7692 §7.1): what both ends agreed on.
 * Window bits are always concrete numbers here (15 when the parameter was absent).
 */
export interface DeflateParams {
  /** The server resets its compression context after every message. */
  serverNoContextTakeover: boolean;
  /** The client resets its compression context after every message. */
  clientNoContextTakeover: boolean;
  /** LZ77 window the server compresses with (8–15). */
  serverMaxWindowBits: number;
  /** LZ77 window the client compresses with (8–15). */
  clientMaxWindowBits: number;
}
