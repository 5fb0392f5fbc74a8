/**
 * The server's opening handshake as one sans-IO object (the python-websockets `ServerProtocol`
 * idea): bytes (or an already parsed request) in; `validate()`, `negotiateDeflate()`,
 * `accept()` or `reject()` decide; `dataToSend()` gives the 101 or the rejection to write; on
 * accept, `connection` is the codec for the frames that follow. The pieces it stitches (head
 * parser, validator, negotiation, response builders) stay exported for callers with other rules.
 */
import { Buffer } from 'node:buffer';
import { Connection, type ConnectionOptions } from '../connection.js';
import type { DeflateParams } from '../deflate/params.js';
import { HandshakeError } from '../errors.js';
import { type ExtensionOffer, parseExtensions } from '../extensions-header.js';
import {
  type ServerHandshakeOptions,
  type ValidatedUpgradeRequest,
  acceptKey,
  buildAcceptResponse,
  buildRejectResponse,
  rejectionFor,
  validateUpgradeRequest,
} from './server-rules.js';
import { type ExtraHeaders, type HttpHeadParserOptions, type HttpRequestHead, HttpHeadParser } from '../http-head.js';
import {
  type DeflateNegotiation,
  type PerMessageDeflateOptions,
  deflateOfferError,
  negotiateDeflateServer,
} from '../deflate/negotiation.js';

/** Options of a {@link ServerHandshake}: the policy of {@link validateUpgradeRequest}, the head limits, the codec's options. */
export interface ServerHandshakeConfig extends ServerHandshakeOptions, HttpHeadParserOptions {
  /**
   * Options of the {@link Connection} made on accept (`role` is `'server'` and `deflate` is the
   * negotiated one). Default: none (the Connection's own defaults).
   */
  connection?: Omit<ConnectionOptions, 'role' | 'deflate'>;
}

/** Options of {@link ServerHandshake.negotiateDeflate}. */
export interface DeflateNegotiationPolicy {
  /**
   * The server's permessage-deflate settings. Default: the handshake's `perMessageDeflate`
   * (`true` meaning `{}`); with neither, every offer is declined.
   */
  options?: PerMessageDeflateOptions;
  /**
   * Refuse (throw a 400) instead of declining: a malformed permessage-deflate offer anywhere in
   * the header, or offers of which none is acceptable (the ws package's rule). Default false:
   * such offers are declined and the connection runs without compression (RFC 7692 §5).
   */
  strict?: boolean;
  /** Filters the permessage-deflate offers before negotiation (a caller's own refusals). Default: all pass. */
  acceptOffer?: (offer: ExtensionOffer) => boolean;
}

/** Options of {@link ServerHandshake.accept}. */
export interface AcceptOptions {
  /** The `Sec-WebSocket-Key` to answer. Default: the validated request's. */
  key?: string;
  /**
   * The subprotocol to answer with; `null` for none. Default: the one `validate()` selected.
   */
  protocol?: string | null;
  /** More response fields (e.g. `Set-Cookie`), checked against header injection. Default none. */
  headers?: ExtraHeaders;
  /**
   * Edits the response's lines (status line first, no empty line) before they are written, as
   * the ws package's `'headers'` event does; what it leaves is sent as it is (no field checks).
   * Default: none (the response is built with `headers`, checked).
   */
  editLines?: (lines: string[]) => void;
}

/** What an accepted handshake established. */
export interface AcceptedHandshake {
  /** The subprotocol answered, undefined when none. */
  readonly protocol: string | undefined;
  /** The permessage-deflate agreement, undefined when not in use. */
  readonly deflate: DeflateParams | undefined;
  /** The `Sec-WebSocket-Extensions` answered, undefined when none. */
  readonly extensions: string | undefined;
}

/**
 * `'reading'`: the request head is incomplete; `'request'`: a request is here, undecided;
 * `'accepted'`: the 101 is queued and frames follow; `'rejected'`: an HTTP error response is
 * queued and the transport is closed after writing it.
 */
export type ServerHandshakeState = 'reading' | 'request' | 'accepted' | 'rejected';

const EMPTY = new Uint8Array(0);

/**
 * One server-side opening handshake.
 * @example
 * const hs = new ServerHandshake({ perMessageDeflate: true });
 * if (hs.receiveData(chunk) === undefined) { write(hs.dataToSend()); return; } // incomplete, or 400/431 queued
 * if (hs.validate() !== undefined) hs.accept(); // else 400/403/426 queued
 * write(hs.dataToSend());
 * if (hs.state === 'rejected') socket.end(); else hs.connection.receive(hs.rest);
 */
export class ServerHandshake {
  readonly #config: ServerHandshakeConfig;
  #parser: HttpHeadParser<'request'> | undefined;
  #state: ServerHandshakeState = 'reading';
  #request: HttpRequestHead | undefined;
  #rest: Uint8Array = EMPTY;
  #validated: ValidatedUpgradeRequest | undefined;
  #negotiated: DeflateNegotiation | undefined;
  #accepted: AcceptedHandshake | undefined;
  #error: HandshakeError | undefined;
  #output: Uint8Array[] = [];
  #connection: Connection | undefined;

  /** @param config the caller's policy; see {@link ServerHandshakeConfig}. Default: RFC rules, no compression. */
  constructor(config: ServerHandshakeConfig = {}) {
    this.#config = config;
  }

  /**
   * A handshake for a request an HTTP server already parsed (e.g. Node's `'upgrade'` event).
   * @param request the head.
   * @param rest bytes that came after the head (the first frames). Default none.
   */
  static forRequest(request: HttpRequestHead, config: ServerHandshakeConfig = {}, rest: Uint8Array = EMPTY): ServerHandshake {
    const handshake = new ServerHandshake(config);
    handshake.#request = request;
    handshake.#rest = rest;
    handshake.#state = 'request';
    return handshake;
  }

  /**
   * Checks permessage-deflate options once, up front (a server's constructor), so that a bad
   * one fails there and not at the first handshake that offers compression.
   * @throws {RangeError|TypeError} on invalid options.
   */
  static checkDeflateOptions(options: PerMessageDeflateOptions): void {
    negotiateDeflateServer([], options);
  }

  /** See {@link ServerHandshakeState}. */
  get state(): ServerHandshakeState {
    return this.#state;
  }

  /** The request head, once complete. */
  get request(): HttpRequestHead | undefined {
    return this.#request;
  }

  /** Bytes received after the head (frames the client sent at once); empty when none. */
  get rest(): Uint8Array {
    return this.#rest;
  }

  /** Why the handshake was refused by `receiveData`, `validate` or `negotiateDeflate`, if it was. */
  get error(): HandshakeError | undefined {
    return this.#error;
  }

  /** What `accept()` established, once accepted. */
  get accepted(): AcceptedHandshake | undefined {
    return this.#accepted;
  }

  /**
   * Feeds bytes of the request head.
   * @returns the request once its head is complete; undefined while it is not, or when it was
   * malformed or too large (then a 400 or 431 is queued, see {@link error}). Bytes that come
   * after a rejection are ignored (the transport is closing).
   * @throws {Error} when a request was already read.
   */
  receiveData(bytes: Uint8Array): HttpRequestHead | undefined {
    if (this.#state === 'rejected') return undefined;
    if (this.#state !== 'reading') throw new Error(`ServerHandshake.receiveData: the request was already read (state ${this.#state})`);
    let result;
    try {
      result = (this.#parser ??= new HttpHeadParser('request', this.#config)).push(bytes);
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      this.rejectWith(error);
      return undefined;
    }
    if (result === undefined) return undefined;
    this.#parser = undefined;
    this.#request = result.head;
    this.#rest = result.rest;
    this.#state = 'request';
    return result.head;
  }

  /**
   * Validates the request and negotiates the subprotocol and permessage-deflate with this
   * handshake's policy (see {@link validateUpgradeRequest}).
   * @returns the validated request; undefined when it was refused (400, 403 or 426 queued, see {@link error}).
   * @throws {Error} when there is no undecided request.
   * @throws {TypeError} when `selectProtocol` returns a protocol that was not offered.
   */
  validate(): ValidatedUpgradeRequest | undefined {
    const request = this.#undecided('validate');
    let validated;
    try {
      validated = validateUpgradeRequest(request, this.#config);
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      this.rejectWith(error);
      return undefined;
    }
    this.#validated = validated;
    if (validated.deflate !== undefined) this.#negotiated = { params: validated.deflate, response: validated.extensions! };
    return validated;
  }

  /**
   * Negotiates permessage-deflate for an offer the caller holds (its own validation, or an
   * upgrade decided later, like the App's `res.upgrade(…, extensions, …)`); the result is what
   * `accept()` answers with. Does not change the state: a refusal is the caller's to send.
   * @param offer the `Sec-WebSocket-Extensions` value(s); `undefined` or `''` offers nothing.
   * @returns the agreement, or undefined when compression is declined.
   * @throws {HandshakeError} 400 when the header is malformed, or (with `strict`) an offer is
   * invalid or none is acceptable.
   */
  negotiateDeflate(offer: string | readonly string[] | undefined, policy: DeflateNegotiationPolicy = {}): DeflateNegotiation | undefined {
    this.#negotiated = undefined;
    const own = this.#config.perMessageDeflate;
    const options = policy.options ?? (own === true ? {} : own === false ? undefined : own);
    if (options === undefined || offer === undefined || offer === '' || (typeof offer !== 'string' && offer.length === 0)) return undefined;
    let offers = parseExtensions(offer);
    if (policy.strict === true || policy.acceptOffer !== undefined) offers = offers.filter((o) => o.name === 'permessage-deflate');
    if (policy.strict === true) {
      if (offers.length === 0) return undefined;
      for (const o of offers) {
        const why = deflateOfferError(o);
        if (why !== undefined) throw new HandshakeError('WS_ERR_HANDSHAKE_EXTENSION', 400, `Invalid permessage-deflate offer: ${why}`);
      }
    }
    if (policy.acceptOffer !== undefined) offers = offers.filter(policy.acceptOffer);
    const negotiated = negotiateDeflateServer(offers, options);
    if (negotiated === undefined && policy.strict === true) {
      throw new HandshakeError('WS_ERR_HANDSHAKE_EXTENSION', 400, 'No acceptable permessage-deflate offer');
    }
    this.#negotiated = negotiated;
    return negotiated;
  }

  /**
   * Accepts: queues the 101 response (see `dataToSend()`) with the key, subprotocol and
   * permessage-deflate answer of `validate()` / `negotiateDeflate()` unless `options` say otherwise.
   * @throws {Error} when the handshake was already decided, or there is no key to answer.
   * @throws {TypeError} on an invalid subprotocol or extra header; the handshake is then still undecided.
   */
  accept(options: AcceptOptions = {}): AcceptedHandshake {
    if (this.#state === 'accepted' || this.#state === 'rejected') throw new Error(`ServerHandshake.accept: already ${this.#state}`);
    const key = options.key ?? this.#validated?.key;
    if (key === undefined) throw new Error('ServerHandshake.accept: no Sec-WebSocket-Key (validate() the request or pass options.key)');
    const protocol = options.protocol === null ? undefined : (options.protocol ?? this.#validated?.protocol);
    const negotiated = this.#negotiated;
    const extensions = negotiated?.response;
    let response: string;
    if (options.editLines === undefined) {
      response = buildAcceptResponse({ key, protocol, extensions }, options.headers);
    } else {
      const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(key)}`];
      if (protocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
      if (extensions !== undefined) lines.push(`Sec-WebSocket-Extensions: ${extensions}`);
      options.editLines(lines);
      response = lines.concat('\r\n').join('\r\n');
    }
    this.#output.push(Buffer.from(response, 'latin1'));
    this.#state = 'accepted';
    this.#accepted = { protocol, deflate: negotiated?.params, extensions };
    return this.#accepted;
  }

  /**
   * Refuses: queues a complete HTTP response (see {@link buildRejectResponse}: `Connection:
   * close`, a text body, `Sec-WebSocket-Version: 13` on a 426). Close the transport once it is written.
   * @param status 300–599.
   * @param text the body. Default: the status text.
   * @param headers more fields. Default none.
   * @throws {Error} when the handshake was already decided.
   */
  reject(status: number, text?: string, headers?: ExtraHeaders): void {
    if (this.#state === 'accepted' || this.#state === 'rejected') throw new Error(`ServerHandshake.reject: already ${this.#state}`);
    this.#output.push(Buffer.from(buildRejectResponse(status, text, headers), 'utf8'));
    this.#state = 'rejected';
  }

  /** Refuses with a handshake error's status and message (see {@link rejectionFor}). */
  rejectWith(error: HandshakeError): void {
    if (this.#state === 'accepted' || this.#state === 'rejected') throw new Error(`ServerHandshake.reject: already ${this.#state}`);
    this.#error = error;
    this.#output.push(Buffer.from(rejectionFor(error), 'utf8'));
    this.#state = 'rejected';
  }

  /**
   * The bytes to write, in order, taken (a second call returns only what was queued since):
   * the response, then what the connection queued (pongs, close replies) once it exists.
   */
  dataToSend(): Uint8Array[] {
    const out = this.#output;
    this.#output = [];
    const connection = this.#connection;
    if (connection !== undefined) for (const chunk of connection.takeOutgoing()) out.push(chunk);
    return out;
  }

  /**
   * The options of the codec for this connection: `role: 'server'`, the negotiated `deflate`,
   * the config's `connection` options, then `extra` (e.g. a `handler`).
   * @throws {Error} before `accept()`.
   */
  connectionOptions(extra?: Partial<Omit<ConnectionOptions, 'role' | 'deflate'>>): ConnectionOptions {
    const accepted = this.#accepted;
    if (accepted === undefined) throw new Error('ServerHandshake: no connection before accept()');
    return { ...this.#config.connection, ...extra, role: 'server', deflate: accepted.deflate };
  }

  /**
   * The codec for the frames that follow, made on first read with {@link connectionOptions}.
   * Feed it {@link rest} first.
   * @throws {Error} before `accept()`.
   */
  get connection(): Connection {
    return (this.#connection ??= new Connection(this.connectionOptions()));
  }

  #undecided(what: string): HttpRequestHead {
    if (this.#state !== 'request' || this.#request === undefined) {
      throw new Error(`ServerHandshake.${what}: no undecided request (state ${this.#state})`);
    }
    return this.#request;
  }
}
