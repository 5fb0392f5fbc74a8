/**
 * `wss:` on the native transport: which ws client options the native TLS client can honour,
 * and its handshake failures as the errors node:tls would have given ws.
 */
import { type TlsConnectOptions, type TlsSocketInfo, resolveClientTls } from '@uws/native';
import { isIP } from 'node:net';
import type { ClientOptions } from './client.js';

/**
 * TLS-related `tls.connect` options the native client implements. Any other TLS option the
 * user sets (`pfx`, `checkServerIdentity`, `secureContext`, `session`, `maxVersion`, …) sends
 * the connection through node:tls, which honours all of them.
 */
const NATIVE_KEYS = new Set(['ca', 'cert', 'key', 'passphrase', 'rejectUnauthorized', 'servername', 'minVersion', 'ciphers']);

/**
 * Options node:tls reads that change nothing on the wire or that ws itself passes through
 * (ws's own client options, socket-level options handled elsewhere).
 */
const NOT_TLS_KEYS = new Set([
  'protocol',
  'followRedirects',
  'maxRedirects',
  'handshakeTimeout',
  'perMessageDeflate',
  'maxPayload',
  'origin',
  'protocolVersion',
  'headers',
  'skipUTF8Validation',
  'autoPong',
  'maxPendingAutoPongs',
  'allowSynchronousEvents',
  'closeTimeout',
  'auth',
  'maxFragments',
  'transport',
  'host',
  'hostname',
  'port',
  'path',
  'timeout',
  'method',
  'defaultPort',
  'signal',
]);

const TLS_OPTION_KEYS = new Set([
  'ALPNCallback',
  'ALPNProtocols',
  'SNICallback',
  'checkServerIdentity',
  'ciphersuites',
  'clientCertEngine',
  'crl',
  'ecdhCurve',
  'enableTrace',
  'honorCipherOrder',
  'maxVersion',
  'minDHSize',
  'pfx',
  'privateKeyEngine',
  'privateKeyIdentifier',
  'pskCallback',
  'requestOCSP',
  'secureContext',
  'secureOptions',
  'secureProtocol',
  'session',
  'sessionIdContext',
  'sigalgs',
  'ticketKeys',
  'agent',
  'lookup',
  'socket',
  'highWaterMark',
  'onread',
]);

type Pem = string | Buffer;

function pemOf(value: unknown): Pem | undefined | false {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || Buffer.isBuffer(v))) {
    // Several PEM blocks concatenated are one bundle for OpenSSL.
    return value.map((v) => (typeof v === 'string' ? v : v.toString('latin1'))).join('\n');
  }
  return false;
}

/**
 * The native TLS connect options for a `wss:` client with `opts`, or `undefined` when an
 * option only node:tls implements is set (then the client runs on node:tls, as ws does).
 */
export function nativeTlsFor(opts: ClientOptions, hostname: string): TlsConnectOptions | undefined {
  for (const key of Object.keys(opts)) {
    if (opts[key] === undefined || NATIVE_KEYS.has(key) || NOT_TLS_KEYS.has(key)) continue;
    if (TLS_OPTION_KEYS.has(key)) return undefined;
  }
  const ca = pemOf(opts.ca);
  const cert = pemOf(opts.cert);
  const key = pemOf(opts.key);
  if (ca === false || cert === false || key === false) return undefined;
  // Object keys ({ pem, passphrase }) and keys in engines are node:tls's business.
  if (opts.minVersion !== undefined && opts.minVersion !== 'TLSv1.2' && opts.minVersion !== 'TLSv1.3') return undefined;
  if (opts.passphrase !== undefined && typeof opts.passphrase !== 'string') return undefined;
  const resolved = resolveClientTls({
    ca,
    cert,
    key,
    passphrase: opts.passphrase,
    // node:tls: anything but `false` verifies.
    rejectUnauthorized: opts.rejectUnauthorized !== false,
    minVersion: opts.minVersion,
  });
  if (typeof opts.ciphers === 'string') resolved.ciphers = opts.ciphers;
  // ws sends SNI for a host name, none for an IP literal; node:tls offers no ALPN by default.
  const servername = typeof opts.servername === 'string' ? opts.servername : isIP(hostname) !== 0 ? '' : hostname;
  return { ...resolved, alpn: [], servername };
}

/** node:tls's `Error` for a failed native TLS handshake (the code ws users test for). */
export function tlsHandshakeError(info: TlsSocketInfo, host: string): Error {
  const reason = info.authorizationError;
  if (reason === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    // node:tls also lists the certificate's names; the native client reports only the mismatch.
    const what = isIP(host) !== 0 ? `IP: ${host} is not in the cert's list` : `Host: ${host}. is not in the cert's altnames`;
    return Object.assign(new Error(`Hostname/IP does not match certificate's altnames: ${what}`), { code: reason, reason: what, host });
  }
  // X509_verify_cert_error_string's text is also node's message for these.
  if (reason !== '') return Object.assign(new Error(info.error), { code: reason });
  if (info.error.startsWith('the peer closed the connection during the TLS handshake')) {
    return Object.assign(new Error('Client network socket disconnected before secure TLS connection was established'), {
      code: 'ECONNRESET',
      host,
    });
  }
  // OpenSSL's "error:0A000410:SSL routines::sslv3 alert handshake failure" → node's
  // ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE.
  const match = /^error:[0-9A-F]+:SSL routines:[^:]*:(.+)$/i.exec(info.error);
  const code = match === null ? 'ERR_SSL_HANDSHAKE_FAILURE' : `ERR_SSL_${match[1].trim().toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
  return Object.assign(new Error(info.error), { code, library: 'SSL routines', reason: match?.[1] });
}
