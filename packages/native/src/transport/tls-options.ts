/**
 * TLS options as users give them (uWebSockets.js names and Node's `tls` names both work) and
 * their resolution into PEM text that both transports consume.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

/** PEM text, or the name of a file holding it. */
export type PemSource = string | Buffer;

/** Server-side TLS options (`SSLApp(options)`, `App({ tls })`, `addServerName(host, options)`). */
export interface TlsOptions {
  /** Private key: PEM text or a file name. Required for a server. Alias: `key_file_name`. */
  key?: PemSource;
  /** Certificate chain, leaf first: PEM text or a file name. Required for a server. Alias: `cert_file_name`. */
  cert?: PemSource;
  /** Passphrase of an encrypted key. Default: none. */
  passphrase?: string;
  /**
   * CA certificates (PEM text or a file name): a server trusts these for client certificates,
   * a client for the server's. Default: none for a server; Node's bundled roots for a client.
   * Alias: `ca_file_name`.
   */
  ca?: PemSource;
  /** DH parameters for TLS 1.2 DHE suites (PEM or file). Default: OpenSSL's automatic choice. Alias: `dh_params_file_name`. */
  dhParams?: PemSource;
  /** TLS 1.2 cipher list (OpenSSL syntax). Default: OpenSSL's. Alias: `ssl_ciphers`. */
  ciphers?: string;
  /**
   * TLS 1.3 cipher suites (OpenSSL syntax), in the server's order of preference. Default on the
   * epoll transport: `'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256'`,
   * with ChaCha20-Poly1305 chosen first for a client that lists it first (no AES hardware);
   * on node:tls, Node's.
   */
  ciphersuites?: string;
  /** Lowest protocol version accepted. Default: `'TLSv1.2'` (TLS 1.3 is preferred when both sides have it). */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** ALPN protocols offered/accepted, most preferred first. Default: `['http/1.1']`. */
  ALPNProtocols?: readonly string[];
  /** Server: ask clients for a certificate. Default: false. */
  requestCert?: boolean;
  /**
   * Refuse a peer certificate that does not verify: on a server (with `requestCert`) a client
   * without a valid certificate; on a client a server certificate that is expired, self-signed,
   * or for another name. Default: true.
   */
  rejectUnauthorized?: boolean;
  /** Server: issue session tickets so clients can resume without a full handshake. Default: true. */
  sessionTickets?: boolean;
  /**
   * Server: TLS 1.3 session tickets sent after each handshake (0–16), with `sessionTickets`.
   * Each lets a client resume one connection, and every resumed handshake brings a fresh one;
   * each also costs the handshake a session encoding, its encryption and a record. Raise it
   * for clients that open several connections at once and resume them all. Epoll transport
   * only: node:tls always sends OpenSSL's default of 2. Default: 1.
   */
  sessionTicketCount?: number;
  /**
   * Server: how many TLS 1.2 sessions are kept for session-id resumption (clients that do not
   * take tickets). The oldest goes first when it is full; each costs about 1 KiB (more with
   * client certificates). `0` keeps none (resumption by ticket only). Default: 1024.
   */
  sessionCacheSize?: number;
  /** Server: seconds a cached session or an issued ticket can be resumed. Default: 300. */
  sessionTimeout?: number;
  /**
   * Release OpenSSL's read/write buffers while a connection is idle (~34 KiB each otherwise).
   * On epoll a busy connection (a few reads and writes within a second) keeps them between
   * records and gives them back once it moved no bytes for a second or two; others free them
   * after each record. `false` keeps them for the connection's life.
   * Alias: `ssl_prefer_low_memory_usage`. Default: true.
   */
  releaseBuffers?: boolean;
  /**
   * Server: once a TLS 1.3 handshake with an AES-GCM or ChaCha20-Poly1305 suite is done, the
   * epoll transport protects the connection's records itself (AEAD with the traffic keys
   * OpenSSL derived, KeyUpdate and alerts included) and frees OpenSSL's per-connection state:
   * an idle TLS connection then costs a few hundred bytes instead of about 14 KiB. TLS 1.2 and
   * the CCM suites always stay with OpenSSL, as does node:tls. `false` leaves every record to
   * OpenSSL. Default: true.
   */
  ownRecordLayer?: boolean;
  /**
   * Server: seconds an accepted connection may take to complete the TLS handshake before it
   * is dropped (a ClientHello that never comes, a handshake that stalls). Default: 10.
   */
  handshakeTimeout?: number;

  // uWebSockets.js names.
  key_file_name?: string;
  cert_file_name?: string;
  ca_file_name?: string;
  dh_params_file_name?: string;
  ssl_ciphers?: string;
  ssl_prefer_low_memory_usage?: boolean;
}

/** Client-side TLS options of a `wss://` connection. */
export interface TlsClientOptions {
  /** CA certificates to trust (PEM or file). Default: Node's bundled root certificates. */
  ca?: PemSource;
  /** Client certificate and key (PEM or file), for servers that ask. Default: none. */
  cert?: PemSource;
  key?: PemSource;
  passphrase?: string;
  /** Verify the server's certificate (chain and name). Default: true. */
  rejectUnauthorized?: boolean;
  /** Name sent as SNI and checked against the certificate. Default: the URL's host. */
  servername?: string;
  /** Lowest protocol version accepted. Default: `'TLSv1.2'`. */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /**
   * Resumption: the latest TLS session of up to this many servers (address, port and name) is
   * kept, so reconnecting to one resumes instead of a full handshake (TLS 1.2: session id or
   * ticket; TLS 1.3: ticket). A session is reused until the server sends a newer one, as
   * Node's `https.Agent` does. Shared by clients with the same TLS options (never across
   * different CAs, certificates or `rejectUnauthorized`); the server stored longest ago goes
   * first. `0` turns resumption off. Default: 100 (as `https.Agent`'s `maxCachedSessions`).
   */
  maxCachedSessions?: number;
}

/** What both transports consume: PEM text, defaults applied. */
export interface ResolvedTlsOptions {
  isServer: boolean;
  key: string;
  cert: string;
  passphrase: string;
  ca: string;
  dhParams: string;
  ciphers: string;
  ciphersuites: string;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  alpn: readonly string[];
  requestCert: boolean;
  rejectUnauthorized: boolean;
  sessionTickets: boolean;
  sessionTicketCount: number;
  sessionCacheSize: number;
  sessionTimeout: number;
  maxCachedSessions: number;
  releaseBuffers: boolean;
  ownRecordLayer: boolean;
  handshakeTimeout: number;
}

/** The state of a TLS connection, from `Transport.tlsInfo`. */
export interface TlsSocketInfo {
  /** SNI name the client sent (server side), or `''`. */
  servername: string;
  /** Negotiated ALPN protocol, or `''`. */
  alpnProtocol: string;
  /** The peer's certificate verified (false when there is none). */
  authorized: boolean;
  /** Why the peer's certificate did not verify (a Node-style code such as `'CERT_HAS_EXPIRED'`), or `''`. */
  authorizationError: string;
  /** Why the handshake or connection failed, or `''`. */
  error: string;
  /** The session was resumed (ticket or id) instead of a full handshake. */
  resumed: boolean;
  /**
   * The transport protects this connection's records itself (see `ownRecordLayer` in the
   * server options); false while OpenSSL does (handshake, TLS 1.2, clients, node:tls).
   */
  ownRecordLayer: boolean;
}

const DEFAULT_ALPN = ['http/1.1'] as const;

/** PEM text from PEM text, a Buffer, or a file name. */
export function readPem(source: PemSource | undefined, what: string): string {
  if (source === undefined) return '';
  if (Buffer.isBuffer(source)) return source.toString('latin1');
  if (typeof source !== 'string') throw new TypeError(`TLS ${what} must be PEM text, a Buffer or a file name`);
  if (source.includes('-----BEGIN ')) return source;
  if (source === '') return '';
  try {
    return readFileSync(source, 'latin1');
  } catch (error) {
    throw Object.assign(new Error(`TLS ${what}: cannot read ${JSON.stringify(source)}: ${(error as Error).message}`), {
      code: 'ERR_UWS_TLS_OPTIONS',
    });
  }
}

function version(value: string | undefined): 'TLSv1.2' | 'TLSv1.3' {
  if (value === undefined) return 'TLSv1.2';
  if (value !== 'TLSv1.2' && value !== 'TLSv1.3') throw new RangeError(`minVersion must be 'TLSv1.2' or 'TLSv1.3', got ${String(value)}`);
  return value;
}

/**
 * Resolves server options (reads files, applies defaults) into what `Transport.listen`'s TLS
 * context takes. Throws on a missing key/cert or an unreadable file.
 */
export function resolveServerTls(options: TlsOptions): ResolvedTlsOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('TLS options must be an object');
  const key = readPem(options.key ?? options.key_file_name, 'key');
  const cert = readPem(options.cert ?? options.cert_file_name, 'cert');
  if (key === '' || cert === '') {
    throw Object.assign(new Error('TLS: a server needs both key and cert'), { code: 'ERR_UWS_TLS_OPTIONS' });
  }
  return {
    isServer: true,
    key,
    cert,
    passphrase: options.passphrase ?? '',
    ca: readPem(options.ca ?? options.ca_file_name, 'ca'),
    dhParams: readPem(options.dhParams ?? options.dh_params_file_name, 'dhParams'),
    ciphers: options.ciphers ?? options.ssl_ciphers ?? '',
    ciphersuites: options.ciphersuites ?? '',
    minVersion: version(options.minVersion),
    alpn: options.ALPNProtocols ?? DEFAULT_ALPN,
    requestCert: options.requestCert ?? false,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    sessionTickets: options.sessionTickets ?? true,
    sessionTicketCount: ticketCount(options.sessionTicketCount),
    sessionCacheSize: count(options.sessionCacheSize, 1024, 'sessionCacheSize'),
    sessionTimeout: positiveSeconds(options.sessionTimeout, 300, 'sessionTimeout'),
    maxCachedSessions: 0,
    releaseBuffers: options.releaseBuffers ?? options.ssl_prefer_low_memory_usage ?? true,
    ownRecordLayer: options.ownRecordLayer ?? true,
    handshakeTimeout: positiveSeconds(options.handshakeTimeout, 10, 'handshakeTimeout'),
  };
}

function positiveSeconds(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`${name} must be a number > 0, got ${String(value)}`);
  return value;
}

/** TLS 1.3 tickets per handshake: few are useful, and each one is work for every handshake. */
function ticketCount(value: number | undefined): number {
  if (value === undefined) return 1;
  if (!Number.isInteger(value) || value < 0 || value > 16) {
    throw new RangeError(`sessionTicketCount must be an integer from 0 to 16, got ${String(value)}`);
  }
  return value;
}

function count(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${name} must be an integer >= 0, got ${String(value)}`);
  }
  return value;
}

let rootBundle: string | undefined;

/**
 * Resolves client options into what `Transport.connect` takes (add `servername`); without
 * `ca`, Node's bundled roots are trusted. Throws on an unreadable file.
 */
export function resolveClientTls(options: TlsClientOptions = {}): ResolvedTlsOptions {
  const ca = readPem(options.ca, 'ca');
  return {
    isServer: false,
    key: readPem(options.key, 'key'),
    cert: readPem(options.cert, 'cert'),
    passphrase: options.passphrase ?? '',
    ca: ca !== '' ? ca : (rootBundle ??= rootCertificates.join('\n')),
    dhParams: '',
    ciphers: '',
    ciphersuites: '',
    minVersion: version(options.minVersion),
    alpn: DEFAULT_ALPN,
    requestCert: false,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    sessionTickets: true,
    sessionTicketCount: 0, // a client sends none
    sessionCacheSize: 0,
    sessionTimeout: 300,
    maxCachedSessions: count(options.maxCachedSessions, 100, 'maxCachedSessions'),
    releaseBuffers: true,
    ownRecordLayer: false, // a client's records stay with OpenSSL (it takes session tickets after the handshake)
    handshakeTimeout: 10, // unused by clients: their handshake deadline is the Client's own
  };
}

/** OpenSSL's X509_V_ERR_* numbers as Node's error codes (the common ones). */
const VERIFY_CODES: Record<number, string> = {
  2: 'UNABLE_TO_GET_ISSUER_CERT',
  9: 'CERT_NOT_YET_VALID',
  10: 'CERT_HAS_EXPIRED',
  18: 'DEPTH_ZERO_SELF_SIGNED_CERT',
  19: 'SELF_SIGNED_CERT_IN_CHAIN',
  20: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  21: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  23: 'CERT_REVOKED',
  62: 'ERR_TLS_CERT_ALTNAME_INVALID',
  64: 'ERR_TLS_CERT_ALTNAME_INVALID',
};

/** Node-style code for an OpenSSL verify result (0 is success: `''`). */
export function verifyCode(result: number): string {
  if (result === 0) return '';
  return VERIFY_CODES[result] ?? `X509_V_ERR_${result}`;
}
