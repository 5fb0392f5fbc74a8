/**
 * TLS for the node:net transport: the same contract over `node:tls` (servers, SNI table,
 * reload, client connections), so both transports pass the same tests.
 */
import { constants } from 'node:crypto';
import tls from 'node:tls';
import { isIP } from 'node:net';
import type { ResolvedTlsOptions, TlsSocketInfo } from './tls-options.js';
import { SessionStore, clientSessionStore } from './tls-session-store.js';
import type { TlsConnectOptions, TlsContext } from './transport.js';
import { rethrowOnNextTick } from '../rethrow-on-next-tick.js';

function secureOptions(o: ResolvedTlsOptions): tls.SecureContextOptions {
  const ciphers = [o.ciphersuites, o.ciphers].filter((c) => c !== '').join(':');
  return {
    key: o.key === '' ? undefined : o.key,
    cert: o.cert === '' ? undefined : o.cert,
    passphrase: o.passphrase === '' ? undefined : o.passphrase,
    ca: o.ca === '' ? undefined : o.ca,
    dhparam: o.dhParams === '' ? undefined : o.dhParams,
    ciphers: ciphers === '' ? undefined : ciphers,
    minVersion: o.minVersion,
    // As in the native transport: no renegotiation (a CPU sink and an old attack surface).
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION | (o.sessionTickets ? 0 : constants.SSL_OP_NO_TICKET),
  };
}

/** A server context over `tls.createSecureContext`, with the SNI table in JS. */
export class NodeTlsContext implements TlsContext {
  private options: ResolvedTlsOptions;
  private readonly names = new Map<string, tls.SecureContext>();
  private missing: ((host: string) => void) | undefined;
  private readonly servers = new Set<tls.Server>();

  constructor(options: ResolvedTlsOptions) {
    tls.createSecureContext(secureOptions(options)); // throws now on bad options, like the native one
    this.options = options;
  }

  /** Options for `tls.createServer`. */
  serverOptions(): tls.TlsOptions {
    const o = this.options;
    return {
      ...secureOptions(o),
      ALPNProtocols: [...o.alpn],
      requestCert: o.requestCert,
      rejectUnauthorized: o.rejectUnauthorized,
      handshakeTimeout: o.handshakeTimeout * 1000,
      sessionTimeout: o.sessionTimeout,
      SNICallback: this.sniCallback,
    };
  }

  attach(server: tls.Server): void {
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
    // node:tls keeps no sessions by itself (TLS 1.2 id resumption needs these two events).
    if (this.options.sessionCacheSize > 0) {
      const store = new SessionStore(this.options.sessionCacheSize, this.options.sessionTimeout);
      server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
        store.set(id.toString('hex'), data);
        done();
      });
      server.on('resumeSession', (id: Buffer, done: (error: Error | null, data: Buffer | null) => void) => {
        done(null, store.get(id.toString('hex')) ?? null);
      });
    }
  }

  addServerName(host: string, options: ResolvedTlsOptions): void {
    this.names.set(host.toLowerCase(), tls.createSecureContext(secureOptions(options)));
  }

  removeServerName(host: string): void {
    this.names.delete(host.toLowerCase());
  }

  setMissingServerName(handler: ((host: string) => void) | undefined): void {
    this.missing = handler;
  }

  update(options: ResolvedTlsOptions): void {
    tls.createSecureContext(secureOptions(options)); // validate before anything changes
    this.options = options;
    const next = this.serverOptions();
    for (const server of this.servers) {
      // Tickets issued so far stay valid across a certificate renewal (a new context would
      // bring new ticket keys and send every returning client through a full handshake).
      const ticketKeys = server.getTicketKeys();
      server.setSecureContext(next);
      server.setTicketKeys(ticketKeys);
    }
  }

  close(): void {
    this.servers.clear();
    this.names.clear();
    this.missing = undefined;
  }

  private lookup(host: string): tls.SecureContext | undefined {
    const exact = this.names.get(host);
    if (exact !== undefined) return exact;
    const dot = host.indexOf('.');
    return dot < 0 ? undefined : this.names.get(`*${host.slice(dot)}`);
  }

  private readonly sniCallback = (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void => {
    const host = servername.toLowerCase();
    let context = this.lookup(host);
    if (context === undefined && this.missing !== undefined) {
      try {
        this.missing(host);
      } catch (error) {
        rethrowOnNextTick(error);
      }
      context = this.lookup(host);
    }
    cb(null, context); // undefined: the server's default certificate
  };
}

/** The key of a server in a client session store. */
function sessionKey(host: string, port: number, o: TlsConnectOptions): string {
  return `${o.servername}\n${host}\n${port}`;
}

/** Options for `tls.connect` (with a session to resume, when one is cached). */
export function connectOptions(host: string, port: number, o: TlsConnectOptions): tls.ConnectionOptions {
  const session = o.maxCachedSessions > 0 ? clientSessionStore(o).get(sessionKey(host, port, o)) : undefined;
  return {
    session,
    ...secureOptions(o),
    host,
    port,
    // SNI only for names (RFC 6066); the certificate is still checked against an IP literal.
    servername: o.servername !== '' && isIP(o.servername) === 0 ? o.servername : undefined,
    checkServerIdentity: (_host, cert) => tls.checkServerIdentity(o.servername !== '' ? o.servername : host, cert),
    rejectUnauthorized: o.rejectUnauthorized,
    ALPNProtocols: [...o.alpn],
  };
}

/** Caches the sessions `socket` receives, for the next connection to the same server. */
export function keepSessions(socket: tls.TLSSocket, host: string, port: number, o: TlsConnectOptions): void {
  if (o.maxCachedSessions === 0) return;
  const store = clientSessionStore(o);
  const key = sessionKey(host, port, o);
  socket.on('session', (session: Buffer) => store.set(key, session));
}

/** The contract's view of a TLS socket; `error`/`code` are what ended it, if anything. */
export function nodeTlsInfo(socket: tls.TLSSocket, error: string, code: string): TlsSocketInfo {
  const authError = socket.authorizationError as unknown as string | Error | undefined;
  const authorizationError =
    typeof authError === 'string' ? authError : authError instanceof Error ? String((authError as NodeJS.ErrnoException).code ?? '') : '';
  return {
    servername: typeof socket.servername === 'string' ? socket.servername : '',
    alpnProtocol: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : '',
    authorized: socket.authorized === true,
    authorizationError: authorizationError !== '' ? authorizationError : isCertCode(code) ? code : '',
    error,
    resumed: socket.isSessionReused(),
    ownRecordLayer: false,
  };
}

function isCertCode(code: string): boolean {
  return /CERT|SELF_SIGNED|ISSUER|LEAF_SIGNATURE/.test(code);
}
