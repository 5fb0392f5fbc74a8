// Sec-WebSocket-Extensions parsing and permessage-deflate negotiation. Input: two config bytes
// (the server's options), then the header value (Latin-1; a LF splits it into header lines).
//   byte 0: bit 0 serverNoContextTakeover, bit 1 clientNoContextTakeover, bit 2 a
//           serverMaxWindowBits cap of 8 + bits 3-5;
//   byte 1: bits 0-1 clientMaxWindowBits (0 none, 1 true, 2-3 a cap of 8 + bits 2-4),
//           bit 5 ServerHandshake.negotiateDeflate's strict policy.
// Oracles: parsing throws nothing but a 400 HandshakeError; what parses serializes and parses
// back to the same list; a negotiated agreement has windows 8..15, its answer parses as one
// permessage-deflate element, and a client that made the accepted offer reads the answer into
// the same agreement the server made.
import { check, checkEqual } from '../lib/check.mjs';

function serverOptions(b0, b1) {
  const options = { serverNoContextTakeover: (b0 & 1) !== 0, clientNoContextTakeover: (b0 & 2) !== 0 };
  if (b0 & 4) options.serverMaxWindowBits = 8 + ((b0 >> 3) & 7);
  const client = b1 & 3;
  if (client === 1) options.clientMaxWindowBits = true;
  else if (client >= 2) options.clientMaxWindowBits = 8 + ((b1 >> 2) & 7);
  return options;
}

/** The client options that make `offer` (a valid permessage-deflate element). */
function clientOptionsOf(offer) {
  const options = {};
  for (const [name, value] of offer.params) {
    if (name === 'server_no_context_takeover') options.serverNoContextTakeover = true;
    else if (name === 'client_no_context_takeover') options.clientNoContextTakeover = true;
    else if (name === 'server_max_window_bits') options.serverMaxWindowBits = Number(value);
    else if (name === 'client_max_window_bits') options.clientMaxWindowBits = value === true ? true : Number(value);
  }
  return options;
}

/** Calls `fn`; a HandshakeError (the documented failure) comes back as a value, anything else is a crash. */
function handshakeErrorOr(codec, fn) {
  try {
    return fn();
  } catch (error) {
    if (error instanceof codec.HandshakeError) return error;
    throw error;
  }
}

export function extensionsHeaderTarget(codec) {
  return {
    name: 'extensions-header',
    configBytes: 2,
    dictionary: [
      'permessage-deflate',
      'x-webkit-deflate-frame',
      '; server_no_context_takeover',
      '; client_no_context_takeover',
      '; server_max_window_bits=',
      '; client_max_window_bits',
      '=15',
      '=8',
      '="10"',
      ', ',
      ';',
      '"',
      '\\',
      '\n',
    ],
    run(input) {
      const options = serverOptions(input[0] ?? 0, input[1] ?? 0);
      const strict = ((input[1] ?? 0) & 0x20) !== 0;
      const text = Buffer.from(input.subarray(2)).toString('latin1');
      const header = text.includes('\n') ? text.split('\n') : text;

      const offers = handshakeErrorOr(codec, () => codec.parseExtensions(header));
      if (offers instanceof codec.HandshakeError) {
        check(offers.status === 400 && offers.code === 'WS_ERR_HANDSHAKE_EXTENSION', 'a parse error other than a 400');
        return;
      }
      check(offers.length > 0, 'parsed an empty list');
      checkEqual(codec.parseExtensions(codec.serializeExtensions(offers)), offers, 'offers, re-parsed vs parsed,');

      const negotiated = codec.negotiateDeflateServer(offers, options);
      // The offer the server took: the first that it accepts alone.
      const taken = offers.find((o) => o.name === 'permessage-deflate' && codec.negotiateDeflateServer([o], options) !== undefined);
      check((negotiated === undefined) === (taken === undefined), 'accepted no offer that it accepts alone');
      if (negotiated !== undefined) {
        const p = negotiated.params;
        for (const bits of [p.serverMaxWindowBits, p.clientMaxWindowBits]) check(Number.isInteger(bits) && bits >= 8 && bits <= 15, 'window bits outside 8..15');
        const answer = codec.parseExtensions(negotiated.response);
        check(answer.length === 1 && answer[0].name === 'permessage-deflate', 'the answer is not one permessage-deflate element');
        check(codec.serializeExtensions(answer) === negotiated.response, 'the answer does not re-format to itself');
        const client = handshakeErrorOr(codec, () => codec.acceptDeflateResponse(answer[0], clientOptionsOf(taken)));
        check(!(client instanceof Error), () => `the client refuses the answer to its own offer: ${client.message}`);
        checkEqual(client, p, 'agreements, client vs server,');
      }

      // The handshake object's entry point: the same answer, or a 400 under the strict policy.
      const hs = codec.ServerHandshake.forRequest(
        { kind: 'request', method: 'GET', target: '/', versionMajor: 1, versionMinor: 1, headers: new codec.HttpHeaders([]) },
        { perMessageDeflate: options },
      );
      const viaHandshake = handshakeErrorOr(codec, () => hs.negotiateDeflate(header, { strict }));
      if (viaHandshake instanceof codec.HandshakeError) {
        check(strict && viaHandshake.status === 400, 'negotiateDeflate refused without the strict policy');
      } else {
        checkEqual(viaHandshake, negotiated, 'negotiateDeflate vs negotiateDeflateServer');
      }
    },
  };
}
