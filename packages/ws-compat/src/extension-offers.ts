/**
 * ws's rules for a `Sec-WebSocket-Extensions` request header on a server with
 * permessage-deflate: a malformed header, or an invalid permessage-deflate offer anywhere in
 * it, or offers of which none is acceptable, refuse the handshake (400 "Invalid or
 * unacceptable Sec-WebSocket-Extensions header"); other extensions are ignored. The
 * handshake's strict negotiation (`ServerHandshake.negotiateDeflate(…, { strict: true })`)
 * holds the first three; this file holds what ws's options refuse on top.
 */
import type { ExtensionOffer } from '@uws/protocol';
import type { PerMessageDeflateOptions } from './server.js';

/** ws's acceptAsServer filter: what its options refuse outright (ours would narrow or ignore). */
export function acceptableAsWs(offer: ExtensionOffer, options: PerMessageDeflateOptions): boolean {
  let serverBits: string | true | undefined;
  let clientBits = false;
  let serverNoContextTakeover = false;
  for (const [name, value] of offer.params) {
    if (name === 'server_max_window_bits') serverBits = value;
    else if (name === 'client_max_window_bits') clientBits = true;
    else if (name === 'server_no_context_takeover') serverNoContextTakeover = true;
  }
  if (options.serverNoContextTakeover === false && serverNoContextTakeover) return false;
  if (serverBits !== undefined) {
    if (options.serverMaxWindowBits === false) return false;
    if (typeof options.serverMaxWindowBits === 'number' && options.serverMaxWindowBits > Number(serverBits)) return false;
  }
  if (typeof options.clientMaxWindowBits === 'number' && !clientBits) return false;
  return true;
}
