/**
 * TLS contexts of the native transport: thin handles over the addon's SSL_CTX registry.
 */
import type { NativeAddon, NativeTlsOptions } from './native-binding.js';
import type { NativeLoop } from './native-loop.js';
import { type ResolvedTlsOptions, type TlsSocketInfo, verifyCode } from './tls-options.js';
import type { TlsContext } from './transport.js';

// OpenSSL's protocol version numbers.
const TLS1_2_VERSION = 0x0303;
const TLS1_3_VERSION = 0x0304;

/** ALPN names in wire format: each prefixed by its length. */
function alpnWire(protocols: readonly string[]): string {
  let wire = '';
  for (const p of protocols) {
    const bytes = Buffer.byteLength(p, 'latin1');
    if (bytes === 0 || bytes > 255) throw new RangeError(`ALPN protocol names are 1..255 bytes, got ${JSON.stringify(p)}`);
    wire += String.fromCharCode(bytes) + p;
  }
  return wire;
}

/** The addon's shape of resolved options. */
export function toNativeTls(o: ResolvedTlsOptions): NativeTlsOptions {
  return {
    isServer: o.isServer,
    key: o.key,
    cert: o.cert,
    passphrase: o.passphrase,
    ca: o.ca,
    dhParams: o.dhParams,
    ciphers: o.ciphers,
    ciphersuites: o.ciphersuites,
    minVersion: o.minVersion === 'TLSv1.3' ? TLS1_3_VERSION : TLS1_2_VERSION,
    alpn: alpnWire(o.alpn),
    requestCert: o.requestCert,
    rejectUnauthorized: o.rejectUnauthorized,
    releaseBuffers: o.releaseBuffers,
    ownRecordLayer: o.ownRecordLayer,
    sessionTickets: o.sessionTickets,
    sessionTicketCount: o.sessionTicketCount,
    sessionCacheSize: o.sessionCacheSize,
    sessionTimeout: o.sessionTimeout,
    maxCachedSessions: o.maxCachedSessions,
    handshakeTimeout: o.handshakeTimeout,
  };
}

/** A server context in the addon. */
export class NativeTlsContext implements TlsContext {
  readonly id: number;
  private closed = false;

  constructor(
    private readonly loop: NativeLoop,
    options: ResolvedTlsOptions,
  ) {
    this.id = loop.native.tlsContext(toNativeTls(options));
  }

  addServerName(host: string, options: ResolvedTlsOptions): void {
    this.loop.native.tlsAddServerName(this.id, host, toNativeTls(options));
  }

  removeServerName(host: string): void {
    this.loop.native.tlsRemoveServerName(this.id, host);
  }

  setMissingServerName(handler: ((host: string) => void) | undefined): void {
    this.loop.setServerNameHandler(this.id, handler);
    this.loop.native.tlsMissingServerName(this.id, handler !== undefined);
  }

  update(options: ResolvedTlsOptions): void {
    this.loop.native.tlsUpdate(this.id, toNativeTls(options));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.loop.setServerNameHandler(this.id, undefined);
    this.loop.native.tlsFree(this.id);
  }
}

/** A connection's TLS state as the contract reports it, or undefined for plain TCP. */
export function nativeTlsInfo(native: NativeAddon, slot: number, gen: number): TlsSocketInfo | undefined {
  const info = native.tlsInfo(slot, gen);
  if (info === null || info === undefined) return undefined;
  const [servername, alpnProtocol, verifyResult, error, peerCertificate, resumed, ownRecordLayer] = info;
  return {
    servername,
    alpnProtocol,
    authorized: peerCertificate && verifyResult === 0,
    authorizationError: verifyCode(verifyResult),
    error,
    resumed,
    ownRecordLayer,
  };
}
