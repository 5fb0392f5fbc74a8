/**
 * Helpers for TLS integration tests: a TLS app on loopback, raw `node:tls` connections.
 */
import { once } from 'node:events';
import tls from 'node:tls';
import { SSLApp, type TemplatedApp } from '../../src/app/app.js';
import type { ListenSocket } from '../../src/app/listen-socket.js';
import type { TlsOptions } from '../../src/transport/tls-options.js';
import { HOST } from './app-harness.js';
import { LOCALHOST } from './tls-fixtures.js';
import type { TransportKind } from './transports.js';

export interface TlsListening {
  app: TemplatedApp;
  port: number;
  url: string;
}

/** An SSLApp on 127.0.0.1:0 with the localhost certificate (unless `options` says otherwise). */
export async function listenTls(
  transport: TransportKind,
  setup: (app: TemplatedApp) => void,
  options: TlsOptions & { handshakeTimeout?: number } = {},
): Promise<TlsListening> {
  const app = SSLApp({ ...LOCALHOST, ...options, transport });
  setup(app);
  const token = await new Promise<ListenSocket>((resolve, reject) => {
    app.listen(HOST, 0, (t) => (t ? resolve(t) : reject(new Error('listen failed'))));
  });
  return { app, port: token.port, url: `wss://${HOST}:${token.port}` };
}

/** A raw TLS connection, resolved once the handshake completed (rejects on its error). */
export async function tlsConnect(port: number, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  const socket = tls.connect({ host: HOST, port, ...options });
  await Promise.race([
    once(socket, 'secureConnect'),
    once(socket, 'error').then(([error]) => {
      throw error;
    }),
  ]);
  return socket;
}

/** The subject CN of the certificate a TLS socket received. */
export function peerName(socket: tls.TLSSocket): string {
  return socket.getPeerCertificate().subject.CN as string;
}
