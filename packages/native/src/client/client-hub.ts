/**
 * One transport shared by every Client that chose the same kind: a transport takes one
 * handler, so the hub routes its events to the client owning each socket.
 */
import { type TransportChoice, createTransport } from '../transport/select-transport.js';
import type { SocketId, TlsConnectOptions, Transport, TransportHandler } from '../transport/transport.js';

/** A client as the hub sees it. */
export interface HubClient {
  onSocketOpen(): void;
  onSocketData(data: Uint8Array): void;
  onSocketTimeout(): void;
  onSocketClose(errno: number): void;
}

export class ClientHub implements TransportHandler {
  readonly transport: Transport;
  private readonly clients = new Map<SocketId, HubClient>();

  constructor(transport: Transport) {
    this.transport = transport;
    transport.start(this);
  }

  /** Starts connecting `client`; its events follow. */
  connect(host: string, port: number, client: HubClient, tls?: TlsConnectOptions): SocketId {
    const id = tls === undefined ? this.transport.connect(host, port) : this.transport.connect(host, port, tls);
    this.clients.set(id, client);
    return id;
  }

  onOpen(id: SocketId): void {
    this.clients.get(id)?.onSocketOpen();
  }
  onData(id: SocketId, data: Uint8Array): void {
    this.clients.get(id)?.onSocketData(data);
  }
  onDrain(): void {}
  onTimeout(id: SocketId): void {
    this.clients.get(id)?.onSocketTimeout();
  }
  onClose(id: SocketId, errno: number): void {
    const client = this.clients.get(id);
    if (client === undefined) return;
    this.clients.delete(id);
    client.onSocketClose(errno);
  }
}

const hubsByKind = new Map<string, ClientHub>();
const hubsByTransport = new WeakMap<Transport, ClientHub>();

/** The hub for a transport choice: one per kind name, one per given instance. */
export function hubFor(choice: TransportChoice = 'auto'): ClientHub {
  if (typeof choice === 'object' && choice !== null) {
    let hub = hubsByTransport.get(choice);
    if (hub === undefined) hubsByTransport.set(choice, (hub = new ClientHub(choice)));
    return hub;
  }
  let hub = hubsByKind.get(choice);
  if (hub === undefined) hubsByKind.set(choice, (hub = new ClientHub(createTransport(choice))));
  return hub;
}
