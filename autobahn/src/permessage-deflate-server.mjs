// @ts-check
// The fuzzer's side of permessage-deflate when it is the server (fuzzing-server mode): reading
// the client's offers as the suite reads them, and the suite's accept rules of 12.x/13.x.
//
// Facts of the suite kept here: an offer always counts as accepting `client_no_context_takeover`
// (RFC 7692 lets a server ask for it whatever the offer said); it accepts a client window only
// when it carried `client_max_window_bits`; window sizes are 9–15; an offer the suite cannot
// parse fails the opening handshake. Every other case declines compression.

/**
 * One client offer, in the suite's terms.
 * @typedef {object} ClientOffer
 * @property {boolean} acceptNoContextTakeover  always true (see above)
 * @property {boolean} acceptMaxWindowBits      the offer carried client_max_window_bits
 * @property {boolean} requestNoContextTakeover server_no_context_takeover
 * @property {number} requestMaxWindowBits      server_max_window_bits=N, 0 when not asked
 */

/**
 * How a case accepts an offer: what it asks of the client (client_no_context_takeover,
 * client_max_window_bits=N; 0 = not asked).
 * @typedef {object} ServerAccept
 * @property {ClientOffer} offer
 * @property {boolean} requestNoContextTakeover
 * @property {number} requestMaxWindowBits
 */

/** @typedef {(offers: ClientOffer[]) => ServerAccept | undefined} AcceptRule */

const WINDOW_BITS = /^(?:9|1[0-5])$/;

/**
 * Parses the permessage-deflate offers of a `Sec-WebSocket-Extensions` request header (other
 * extensions are ignored). Throws on an offer the suite would refuse.
 * @param {string | undefined} header
 * @returns {ClientOffer[]}
 */
export function parseClientOffers(header) {
  /** @type {ClientOffer[]} */
  const offers = [];
  if (!header) return offers;
  for (const element of header.split(',')) {
    if (element.trim() === '') continue;
    const [name, ...params] = element.split(';').map((s) => s.trim());
    if (name.toLowerCase() !== 'permessage-deflate') continue;
    /** @type {ClientOffer} */
    const offer = { acceptNoContextTakeover: true, acceptMaxWindowBits: false, requestNoContextTakeover: false, requestMaxWindowBits: 0 };
    const seen = new Set();
    for (const p of params) {
      const [rawKey, ...rest] = p.split('=').map((s) => s.trim());
      const key = rawKey.toLowerCase();
      const value = rest.length === 0 ? true : rest.join('=').replace(/^"|"$/g, '');
      if (seen.has(key)) throw new Error(`multiple occurrence of extension parameter ${key}`);
      seen.add(key);
      if (key === 'client_max_window_bits') {
        if (value !== true && !WINDOW_BITS.test(value)) throw new Error(`illegal value ${value} for ${key}`);
        offer.acceptMaxWindowBits = true;
      } else if (key === 'client_no_context_takeover' || key === 'server_no_context_takeover') {
        if (value !== true) throw new Error(`illegal value ${value} for ${key}`);
        if (key === 'server_no_context_takeover') offer.requestNoContextTakeover = true;
      } else if (key === 'server_max_window_bits') {
        if (value === true || !WINDOW_BITS.test(value)) throw new Error(`illegal value ${value} for ${key}`);
        offer.requestMaxWindowBits = Number(value);
      } else throw new Error(`illegal extension parameter ${key}`);
    }
    offers.push(offer);
  }
  return offers;
}

/**
 * The rule of 12.x and 13.1: the first offer, with nothing asked of the client.
 * @type {AcceptRule}
 */
export const acceptFirst = (offers) => (offers.length > 0 ? { offer: offers[0], requestNoContextTakeover: false, requestMaxWindowBits: 0 } : undefined);

/**
 * The first offer that allows asking the client for `noContextTakeover` / a `maxWindowBits`
 * window (0: no window asked), as the 13.2–13.6 rules do.
 * @param {boolean} noContextTakeover @param {number} maxWindowBits
 * @returns {AcceptRule}
 */
export function acceptAsking(noContextTakeover, maxWindowBits) {
  return (offers) => {
    for (const offer of offers) {
      if (noContextTakeover && !offer.acceptNoContextTakeover) continue;
      if (maxWindowBits !== 0 && !offer.acceptMaxWindowBits) continue;
      return { offer, requestNoContextTakeover: noContextTakeover, requestMaxWindowBits: maxWindowBits };
    }
    return undefined;
  };
}

/**
 * The first rule that accepts (13.7 tries three in turn).
 * @param {AcceptRule[]} rules
 * @returns {AcceptRule}
 */
export const firstAccepting = (rules) => (offers) => {
  for (const rule of rules) {
    const a = rule(offers);
    if (a) return a;
  }
  return undefined;
};

/**
 * The response header value and the agreement both ends then use.
 * @param {ServerAccept} a
 * @returns {{ response: string, agreement: import('./permessage-deflate-client.mjs').DeflateAgreement }}
 */
export function acceptResponse(a) {
  let response = 'permessage-deflate';
  if (a.offer.requestNoContextTakeover) response += '; server_no_context_takeover';
  if (a.offer.requestMaxWindowBits !== 0) response += `; server_max_window_bits=${a.offer.requestMaxWindowBits}`;
  if (a.requestNoContextTakeover) response += '; client_no_context_takeover';
  if (a.requestMaxWindowBits !== 0) response += `; client_max_window_bits=${a.requestMaxWindowBits}`;
  return {
    response,
    agreement: {
      serverNoContextTakeover: a.offer.requestNoContextTakeover,
      clientNoContextTakeover: a.requestNoContextTakeover,
      serverMaxWindowBits: a.offer.requestMaxWindowBits || 15,
      clientMaxWindowBits: a.requestMaxWindowBits || 15,
    },
  };
}
