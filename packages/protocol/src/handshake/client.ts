/**
 * The client's opening handshake as one sans-IO object (the python-websockets `ClientProtocol`
 * idea): it writes the upgrade request (`dataToSend()`), reads and checks the server's answer
 * (`receiveData()`: `Sec-WebSocket-Accept`, subprotocol, extension answer), and on success its
 * `connection` is the codec for the frames that follow.
 */
import { Buffer } from 'node:buffer';
import { Connection, type ConnectionOptions } from '../connection.js';
import { HandshakeError } from '../errors.js';
import {
  type ClientHandshakeOptions,
  type UpgradeResponseExpectations,
  type ValidatedUpgradeResponse,
  buildUpgradeRequest,
  validateUpgradeResponse,
} from './client-rules.js';
import { type HttpHeadParserOptions, type HttpResponseHead, HttpHeadParser } from '../http-head.js';

/** Options of a {@link ClientHandshake}: what to ask for, the head limits, the codec's options. */
export interface ClientHandshakeConfig extends ClientHandshakeOptions, HttpHeadParserOptions, Pick<UpgradeResponseExpectations, 'acceptHttp10'> {
  /**
   * Options of the {@link Connection} made on success (`role` is `'client'` and `deflate` is the
   * agreed one). Default: none (the Connection's own defaults).
   */
  connection?: Omit<ConnectionOptions, 'role' | 'deflate'>;
}

/**
 * `'connecting'`: the request is written or queued, the answer not read yet; `'open'`: the
 * answer was a valid 101, frames follow; `'failed'`: the answer was refused (see `error`).
 */
export type ClientHandshakeState = 'connecting' | 'open' | 'failed';

const EMPTY = new Uint8Array(0);

/**
 * One client-side opening handshake.
 * @example
 * const hs = new ClientHandshake({ host: 'example.com', path: '/chat', perMessageDeflate: true });
 * write(hs.dataToSend());                 // the upgrade request
 * if (hs.receiveData(chunk)) {            // the 101 was read and checked (throws HandshakeError if refused)
 *   const conn = hs.connection;           // feed it hs.rest first
 * }
 */
export class ClientHandshake {
  /** The `Sec-WebSocket-Key` sent. */
  readonly key: string;
  /** The request head, ASCII. */
  readonly request: string;
  /** The request's header fields, `[name, value]` in the order written. */
  readonly fields: ReadonlyArray<readonly [string, string]>;
  readonly #config: ClientHandshakeConfig;
  #parser: HttpHeadParser<'response'> | undefined;
  #state: ClientHandshakeState = 'connecting';
  #output: Uint8Array[];
  #response: ValidatedUpgradeResponse | undefined;
  #head: HttpResponseHead | undefined;
  #error: HandshakeError | undefined;
  #rest: Uint8Array = EMPTY;
  #connection: Connection | undefined;

  /**
   * Builds the request (see {@link buildUpgradeRequest}) and queues it for `dataToSend()`.
   * @throws {TypeError|RangeError} on invalid options.
   */
  constructor(config: ClientHandshakeConfig) {
    this.#config = config;
    const { request, key, fields } = buildUpgradeRequest(config);
    this.key = key;
    this.request = request;
    this.fields = fields;
    this.#output = [Buffer.from(request, 'latin1')];
  }

  /** See {@link ClientHandshakeState}. */
  get state(): ClientHandshakeState {
    return this.#state;
  }

  /** The checked 101 and what it established, once open. */
  get response(): ValidatedUpgradeResponse | undefined {
    return this.#response;
  }

  /**
   * The server's answer as parsed, once complete, accepted or refused (a refused one may be a
   * redirect or an error page its caller wants to show).
   */
  get head(): HttpResponseHead | undefined {
    return this.#head;
  }

  /** Why the answer was refused, once failed. */
  get error(): HandshakeError | undefined {
    return this.#error;
  }

  /** Bytes received after the 101's head (frames the server sent at once); empty when none. */
  get rest(): Uint8Array {
    return this.#rest;
  }

  /** The bytes to write, taken: the request first, then what the connection queued once it exists. */
  dataToSend(): Uint8Array[] {
    const out = this.#output;
    this.#output = [];
    const connection = this.#connection;
    if (connection !== undefined) for (const chunk of connection.takeOutgoing()) out.push(chunk);
    return out;
  }

  /**
   * Feeds bytes of the server's answer.
   * @returns the checked response once its head is complete, undefined while it is not.
   * @throws {HandshakeError} when the answer is malformed, too large or refused
   * (see {@link validateUpgradeResponse}); the state is then `'failed'`, and later bytes are
   * ignored (the transport is closing).
   * @throws {Error} once a valid answer was read.
   */
  receiveData(bytes: Uint8Array): ValidatedUpgradeResponse | undefined {
    if (this.#state === 'failed') return undefined;
    if (this.#state !== 'connecting') throw new Error(`ClientHandshake.receiveData: the answer was already read (state ${this.#state})`);
    let result;
    try {
      result = (this.#parser ??= new HttpHeadParser('response', this.#config)).push(bytes);
    } catch (error) {
      if (error instanceof HandshakeError) this.#fail(error);
      throw error;
    }
    if (result === undefined) return undefined;
    this.#parser = undefined;
    this.#rest = result.rest;
    return this.receiveResponse(result.head);
  }

  /**
   * Checks an answer an HTTP client already parsed.
   * @throws {HandshakeError} as {@link receiveData}.
   */
  receiveResponse(head: HttpResponseHead): ValidatedUpgradeResponse {
    if (this.#state !== 'connecting') throw new Error(`ClientHandshake.receiveResponse: the answer was already read (state ${this.#state})`);
    this.#head = head;
    try {
      this.#response = validateUpgradeResponse(head, {
        key: this.key,
        protocols: this.#config.protocols,
        perMessageDeflate: this.#config.perMessageDeflate,
        acceptHttp10: this.#config.acceptHttp10,
      });
    } catch (error) {
      if (error instanceof HandshakeError) this.#fail(error);
      throw error;
    }
    this.#state = 'open';
    return this.#response;
  }

  /**
   * The options of the codec for this connection: `role: 'client'`, the agreed `deflate`, the
   * config's `connection` options, then `extra` (e.g. a `handler`).
   * @throws {Error} before the answer was accepted.
   */
  connectionOptions(extra?: Partial<Omit<ConnectionOptions, 'role' | 'deflate'>>): ConnectionOptions {
    const response = this.#response;
    if (response === undefined) throw new Error('ClientHandshake: no connection before a valid 101');
    return { ...this.#config.connection, ...extra, role: 'client', deflate: response.deflate };
  }

  /**
   * The codec for the frames that follow, made on first read with {@link connectionOptions}.
   * Feed it {@link rest} first.
   */
  get connection(): Connection {
    return (this.#connection ??= new Connection(this.connectionOptions()));
  }

  #fail(error: HandshakeError): void {
    this.#error = error;
    this.#state = 'failed';
  }
}
