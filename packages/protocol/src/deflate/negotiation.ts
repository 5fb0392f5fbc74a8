/**
 * permessage-deflate negotiation (RFC 7692 §5, §7.1): turning offers and responses in the
 * `Sec-WebSocket-Extensions` header into {@link DeflateParams}.
 *
 * Every window RFC 7692 allows (8–15) is accepted, as the ws package does. zlib has no 8-bit raw
 * deflate and compresses with 9 bits instead; that stays readable by an 8-bit inflater, because
 * zlib's deflate never refers further back than its window minus 262 bytes (250 bytes with 9
 * bits, within the 256 an 8-bit peer keeps).
 */
import type { DeflateParams } from './params.js';
import { HandshakeError } from '../errors.js';
import type { ExtensionOffer } from '../extensions-header.js';

/** The extension token of RFC 7692. */
const PERMESSAGE_DEFLATE = 'permessage-deflate';

/**
 * permessage-deflate settings, named like the `perMessageDeflate` options of the ws package.
 * The same object configures a server (what it agrees to) and a client (what it offers).
 */
export interface PerMessageDeflateOptions {
  /**
   * Server: always answer with `server_no_context_takeover` (the server resets its compressor
   * after every message); when false an offer asking for it is still honoured.
   * Client: ask the server for it. Default false.
   */
  serverNoContextTakeover?: boolean;
  /**
   * Server: always answer with `client_no_context_takeover`; when false it is still echoed
   * if the client offered it. Client: offer it (promise to reset our compressor). Default false.
   */
  clientNoContextTakeover?: boolean;
  /**
   * Server: the largest window the server compresses with, 8–15 (8 compresses with zlib's 9,
   * which an 8-bit inflater reads); the answer is the smaller of this and what the client asked for.
   * Client: ask the server for at most this window, 8–15.
   * Default undefined (server: 15, only sent when the client asked; client: not asked).
   */
  serverMaxWindowBits?: number;
  /**
   * Server: a number (8–15) caps the client's window; offers that do not carry
   * `client_max_window_bits` are then declined, since the client would not obey the cap.
   * `true` or undefined: no cap of our own (a value hinted by the client is echoed).
   * Client: `true` offers the bare parameter (the server may pick a window), a number (8–15)
   * offers it with that value; undefined does not offer it. Default undefined.
   */
  clientMaxWindowBits?: number | true;
}

/** A server's accepted permessage-deflate offer. */
export interface DeflateNegotiation {
  /** What both ends agreed on. */
  readonly params: DeflateParams;
  /** The `Sec-WebSocket-Extensions` value the server answers with. */
  readonly response: string;
}

/** Parameters read from one permessage-deflate element. */
interface DeflateElement {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  /** `true`: present without a value (only valid in an offer). */
  clientMaxWindowBits: number | true | undefined;
}

const DEFAULT_WINDOW_BITS = 15;
// RFC 7692 §7.1.2: a decimal integer 8..15 without leading zeros.
const WINDOW_BITS = /^(?:[89]|1[0-5])$/;

/**
 * Reads the parameters of one permessage-deflate element, or returns why it is invalid
 * (unknown or repeated parameter, a value where none is allowed, a bad window size).
 */
function readElement(element: ExtensionOffer, kind: 'offer' | 'response'): DeflateElement | string {
  const result: DeflateElement = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  const seen = new Set<string>();
  for (const [name, value] of element.params) {
    if (seen.has(name)) return `parameter ${name} appears more than once`;
    seen.add(name);
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== true) return `parameter ${name} must not have a value`;
        if (name === 'server_no_context_takeover') result.serverNoContextTakeover = true;
        else result.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits':
        if (value === true || !WINDOW_BITS.test(value)) return `invalid ${name} value`;
        result.serverMaxWindowBits = Number(value);
        break;
      case 'client_max_window_bits':
        // Bare in an offer it means "you may tell me a window"; a response must name one.
        if (value === true) {
          if (kind === 'response') return `parameter ${name} must have a value`;
          result.clientMaxWindowBits = true;
        } else {
          if (!WINDOW_BITS.test(value)) return `invalid ${name} value`;
          result.clientMaxWindowBits = Number(value);
        }
        break;
      default:
        return `unknown parameter ${name}`;
    }
  }
  return result;
}

interface ResolvedOptions {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  clientMaxWindowBits: number | true | undefined;
}

/** Validates options (the same for both roles: every window is 8–15). */
function resolveOptions(options: PerMessageDeflateOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('perMessageDeflate options must be an object');
  const flag = (value: boolean | undefined, name: string): boolean => {
    if (value === undefined) return false;
    if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean`);
    return value;
  };
  const bits = (value: number | undefined, name: string): number | undefined => {
    if (value === undefined) return undefined;
    if (!Number.isInteger(value) || value < 8 || value > 15) throw new RangeError(`${name} must be an integer from 8 to 15`);
    return value;
  };
  const client = options.clientMaxWindowBits;
  return {
    serverNoContextTakeover: flag(options.serverNoContextTakeover, 'serverNoContextTakeover'),
    clientNoContextTakeover: flag(options.clientNoContextTakeover, 'clientNoContextTakeover'),
    serverMaxWindowBits: bits(options.serverMaxWindowBits, 'serverMaxWindowBits'),
    clientMaxWindowBits: client === true ? true : bits(client, 'clientMaxWindowBits'),
  };
}

/** Writes a permessage-deflate element in a fixed parameter order. */
function formatElement(element: DeflateElement): string {
  let out = PERMESSAGE_DEFLATE;
  if (element.serverNoContextTakeover) out += '; server_no_context_takeover';
  if (element.clientNoContextTakeover) out += '; client_no_context_takeover';
  if (element.serverMaxWindowBits !== undefined) out += `; server_max_window_bits=${element.serverMaxWindowBits}`;
  if (element.clientMaxWindowBits === true) out += '; client_max_window_bits';
  else if (element.clientMaxWindowBits !== undefined) out += `; client_max_window_bits=${element.clientMaxWindowBits}`;
  return out;
}

/** The server's answer to one valid offer, or undefined when the server cannot accept it. */
function answerOffer(offer: DeflateElement, options: ResolvedOptions): DeflateNegotiation | undefined {
  // §7.1.2.1: the answer may be at most what the client asked for.
  const serverBits = Math.min(offer.serverMaxWindowBits ?? DEFAULT_WINDOW_BITS, options.serverMaxWindowBits ?? DEFAULT_WINDOW_BITS);
  // Accepting a requested window means naming it (§7.1.2.1); otherwise silence means 15.
  const sendServerBits = offer.serverMaxWindowBits !== undefined || serverBits < DEFAULT_WINDOW_BITS;

  let clientBits: number | undefined;
  const cap = typeof options.clientMaxWindowBits === 'number' ? options.clientMaxWindowBits : undefined;
  if (offer.clientMaxWindowBits === undefined) {
    // §7.1.2.2: the answer must not name a client window, so a required cap cannot be had.
    if (cap !== undefined) return undefined;
  } else {
    const hint = offer.clientMaxWindowBits === true ? undefined : offer.clientMaxWindowBits;
    clientBits = hint !== undefined && cap !== undefined ? Math.min(hint, cap) : (hint ?? cap);
  }

  const answer: DeflateElement = {
    // §7.1.1.1: accepting an offer with server_no_context_takeover means including it.
    serverNoContextTakeover: options.serverNoContextTakeover || offer.serverNoContextTakeover,
    // §7.1.1.2: echoing the client's own promise lets our inflater drop its window between messages.
    clientNoContextTakeover: options.clientNoContextTakeover || offer.clientNoContextTakeover,
    serverMaxWindowBits: sendServerBits ? serverBits : undefined,
    clientMaxWindowBits: clientBits,
  };
  return {
    params: {
      serverNoContextTakeover: answer.serverNoContextTakeover,
      clientNoContextTakeover: answer.clientNoContextTakeover,
      serverMaxWindowBits: serverBits,
      clientMaxWindowBits: clientBits ?? DEFAULT_WINDOW_BITS,
    },
    response: formatElement(answer),
  };
}

/**
 * Server side: accepts the first acceptable permessage-deflate offer, in the client's order.
 * Other extensions, invalid offers (unknown or repeated parameter, bad value) and offers this
 * server cannot honour are declined, never a handshake failure (RFC 7692 §5, §7).
 * @param offers the client's parsed `Sec-WebSocket-Extensions` list.
 * @param options what this server agrees to; see {@link PerMessageDeflateOptions}.
 * @returns the agreement and the header value to answer with, or undefined when every offer
 * was declined (the connection then runs without compression).
 * @throws {RangeError|TypeError} on invalid options.
 */
export function negotiateDeflateServer(
  offers: readonly ExtensionOffer[],
  options: PerMessageDeflateOptions = {},
): DeflateNegotiation | undefined {
  const resolved = resolveOptions(options);
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const element = readElement(offer, 'offer');
    if (typeof element === 'string') continue;
    const answer = answerOffer(element, resolved);
    if (answer !== undefined) return answer;
  }
  return undefined;
}

/**
 * Why a permessage-deflate offer is invalid (an unknown or repeated parameter, a value where
 * none is allowed, a window outside 8–15), or undefined when it is valid. For servers that
 * refuse such a handshake instead of declining the offer (the ws package answers 400).
 */
export function deflateOfferError(offer: ExtensionOffer): string | undefined {
  const element = readElement(offer, 'offer');
  return typeof element === 'string' ? element : undefined;
}

/**
 * Client side: the `Sec-WebSocket-Extensions` value offering permessage-deflate.
 * @param options what to ask for; see {@link PerMessageDeflateOptions}.
 * @throws {RangeError|TypeError} on invalid options.
 */
export function buildDeflateOffer(options: PerMessageDeflateOptions = {}): string {
  const resolved = resolveOptions(options);
  return formatElement(resolved);
}

/**
 * Client side: checks the server's permessage-deflate response against what was offered with
 * the same `options` (RFC 7692 §7.1) and returns the agreement.
 * The client fails the handshake when the response has an unknown, repeated or malformed
 * parameter; drops a `server_no_context_takeover` that was asked for; names a server window
 * larger than asked for (or none when one was asked for); or names a client window when
 * `client_max_window_bits` was not offered. A window of 8 is accepted either way (see the top
 * of this file).
 * @throws {HandshakeError} `WS_ERR_HANDSHAKE_EXTENSION` (status 0: the caller knows the
 * server's status) when the response must be refused.
 * @throws {RangeError|TypeError} on invalid options.
 */
export function acceptDeflateResponse(response: ExtensionOffer, options: PerMessageDeflateOptions = {}): DeflateParams {
  const resolved = resolveOptions(options);
  const fail = (message: string): HandshakeError =>
    new HandshakeError('WS_ERR_HANDSHAKE_EXTENSION', 0, `Invalid permessage-deflate response: ${message}`);
  if (response.name !== PERMESSAGE_DEFLATE) throw fail(`unexpected extension ${response.name}`);
  const element = readElement(response, 'response');
  if (typeof element === 'string') throw fail(element);

  if (resolved.serverNoContextTakeover && !element.serverNoContextTakeover) {
    throw fail('server_no_context_takeover was requested but not accepted');
  }
  if (resolved.serverMaxWindowBits !== undefined) {
    if (element.serverMaxWindowBits === undefined) throw fail('server_max_window_bits was requested but not accepted');
    if (element.serverMaxWindowBits > resolved.serverMaxWindowBits) {
      throw fail(`server_max_window_bits=${element.serverMaxWindowBits} exceeds the requested ${resolved.serverMaxWindowBits}`);
    }
  }

  let clientBits = DEFAULT_WINDOW_BITS;
  if (resolved.clientMaxWindowBits === undefined) {
    if (element.clientMaxWindowBits !== undefined) throw fail('client_max_window_bits was not offered');
  } else {
    const hint = resolved.clientMaxWindowBits === true ? DEFAULT_WINDOW_BITS : resolved.clientMaxWindowBits;
    const answered = typeof element.clientMaxWindowBits === 'number' ? element.clientMaxWindowBits : DEFAULT_WINDOW_BITS;
    // Our hinted value is what we said we would use; a server may still narrow it.
    clientBits = Math.min(hint, answered);
  }

  return {
    serverNoContextTakeover: element.serverNoContextTakeover,
    clientNoContextTakeover: element.clientNoContextTakeover,
    serverMaxWindowBits: element.serverMaxWindowBits ?? DEFAULT_WINDOW_BITS,
    clientMaxWindowBits: clientBits,
  };
}
