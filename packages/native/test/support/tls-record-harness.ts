/**
 * For tests of the epoll transport's TLS 1.3 record layer: an echo server on the transport that
 * notes each connection's TLS state and what it received, a plain node:tls client, and a
 * node:tls client whose place can be taken by records sealed by hand.
 */
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { createTransport } from '../../src/transport/select-transport.js';
import { type TlsOptions, type TlsSocketInfo, resolveServerTls } from '../../src/transport/tls-options.js';
import type { SocketId, Transport } from '../../src/transport/transport.js';
import { waitFor } from './app-harness.js';
import { CA, LOCALHOST } from './tls-fixtures.js';
import { RecordSealer, type Tls13SuiteName, secretFromKeylog } from './tls13-records.js';

export const EPROTO = 71;

/** An echo server on the epoll transport that notes each connection's TLS state. */
export function echoServer(options: TlsOptions = {}, onOpen?: (t: Transport, id: SocketId) => void) {
  const transport = createTransport('epoll');
  const opens: SocketId[] = [];
  const received = new Map<SocketId, string>();
  const infos = new Map<SocketId, TlsSocketInfo>();
  const closes = new Map<SocketId, { errno: number; error: string }>();
  transport.start({
    onOpen: (id) => {
      opens.push(id);
      infos.set(id, transport.tlsInfo!(id)!);
      onOpen?.(transport, id);
    },
    onData: (id, data) => {
      received.set(id, (received.get(id) ?? '') + Buffer.from(data).toString('latin1'));
      transport.write(id, data);
    },
    onDrain: () => {},
    onTimeout: () => {},
    onClose: (id, errno) => {
      closes.set(id, { errno, error: transport.tlsInfo!(id)?.error ?? '' });
    },
  });
  const context = transport.createTlsContext!(resolveServerTls({ ...LOCALHOST, ...options }));
  const handle = transport.listen({ host: '127.0.0.1', port: 0, tls: context });
  if (handle instanceof Promise) throw new Error('epoll listens synchronously');
  return { transport, port: handle.port, opens, received, infos, closes };
}

export type EchoServer = ReturnType<typeof echoServer>;

/** A node:tls client; resolves after the handshake, collecting what it reads. */
export async function tlsClient(port: number, options: tls.ConnectionOptions = {}) {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: CA, servername: 'localhost', ...options });
  const received: Buffer[] = [];
  const errors: Error[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  socket.on('error', (e: Error) => errors.push(e));
  await once(socket, 'secureConnect');
  return { socket, received, errors, bytes: () => Buffer.concat(received) };
}

/**
 * A node:tls client whose TCP bytes pass through a proxy here, so that records sealed by hand
 * (with the client's traffic secret from the key log) can be sent in its place. The client
 * itself never writes after its Finished, so its records start at sequence number 0.
 */
export async function craftingClient(server: EchoServer, options: tls.ConnectionOptions = {}) {
  let upstream: net.Socket | undefined;
  const proxy = net.createServer((downstream) => {
    upstream = net.connect(server.port, '127.0.0.1');
    upstream.on('error', () => downstream.destroy());
    downstream.on('error', () => upstream?.destroy());
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const port = (proxy.address() as net.AddressInfo).port;
  let clientSecret: Buffer | undefined;
  const opened = server.opens.length;
  const socket = tls.connect({ host: '127.0.0.1', port, ca: CA, servername: 'localhost', ...options });
  socket.on('keylog', (line: Buffer) => {
    clientSecret ??= secretFromKeylog(line, 'CLIENT_TRAFFIC_SECRET_0');
  });
  const received: Buffer[] = [];
  const errors: Error[] = [];
  let ended = false;
  socket.on('data', (d: Buffer) => received.push(d));
  socket.on('error', (e: Error) => errors.push(e));
  socket.on('end', () => {
    ended = true;
  });
  await once(socket, 'secureConnect');
  await waitFor(() => server.opens.length > opened, 5000, 'the server completes the handshake');
  const id = server.opens[server.opens.length - 1];
  const suite = socket.getCipher().standardName as Tls13SuiteName;
  const sealer = new RecordSealer(suite, clientSecret!);
  return {
    id,
    socket,
    sealer,
    errors,
    ended: () => ended,
    text: () => Buffer.concat(received).toString(),
    send: (...records: Buffer[]) => upstream!.write(Buffer.concat(records)),
    finish: (...records: Buffer[]) => upstream!.end(Buffer.concat(records)),
    close: () => {
      socket.destroy();
      upstream?.destroy();
      proxy.close();
    },
  };
}
