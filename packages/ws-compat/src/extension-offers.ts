/**
 * ws's rules for a `Sec-WebSocket-Extensions` request header on a server with
 * permessage-deflate: a malformed header, or an invalid permessage-deflate offer anywhere in
 * it, or offers of which none is acceptable, refuse the handshake (400 "Invalid or
 * unacceptable Sec-WebSocket-Extensions header"); other extensions are ignored.
 */
import {
  type DeflateNegotiation,
  type ExtensionOffer,
  type PerMessageDeflateOptions as NegotiationOptions,
  deflateOfferError,
  negotiateDeflateServer,
  parseExtensions,
} from '@uws/protocol';
import type { PerMessageDeflateOptions } from './server.js';

/** The header could not be honoured: the caller answers 400. */
export const UNACCEPTABLE = null;

/**
 * The agreement for `header`, undefined when it offers no permessage-deflate (the connection
 * runs without it), or {@link UNACCEPTABLE}.
 */
export function negotiateExtensions(
  header: string,
  options: PerMessageDeflateOptions,
  negotiation: NegotiationOptions,
): DeflateNegotiation | undefined | typeof UNACCEPTABLE {
  let offers: ExtensionOffer[];
  try {
    offers = parseExtensions(header).filter((offer) => offer.name === 'permessage-deflate');
  } catch {
    return UNACCEPTABLE;
  }
  if (offers.length === 0) return undefined;
  for (const offer of offers) if (deflateOfferError(offer) !== undefined) return UNACCEPTABLE;
  const acceptable = offers.filter((offer) => acceptableAsWs(offer, options));
  return negotiateDeflateServer(acceptable, negotiation) ?? UNACCEPTABLE;
}

/** ws's acceptAsServer filter: what its options refuse outright (ours would narrow or ignore). */
function acceptableAsWs(offer: ExtensionOffer, options: PerMessageDeflateOptions): boolean {
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
