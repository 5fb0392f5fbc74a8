/**
 * Listen-socket tokens, as uWebSockets.js hands them to `listen` callbacks, and the functions
 * that use them.
 */

/** A listening socket; truthy, unlike the `false` a failed listen reports. */
export class ListenSocket {
  /** The bound port (0 for a Unix socket). */
  readonly port: number;
  private closer: (() => void) | undefined;

  /** @param close stops listening (called at most once). */
  constructor(port: number, close: () => void) {
    this.port = port;
    this.closer = close;
  }

  /** Whether `close` was called (or the app closed). */
  get closed(): boolean {
    return this.closer === undefined;
  }

  /** Stops listening; open connections stay. Idempotent. */
  close(): void {
    const closer = this.closer;
    this.closer = undefined;
    closer?.();
  }
}

/** uWS's name for a listen-socket token. */
export type us_listen_socket = ListenSocket;

/** Stops listening on `listenSocket` (open connections stay). Ignores `false` and closed tokens. */
export function us_listen_socket_close(listenSocket: ListenSocket | false | null | undefined): void {
  if (listenSocket instanceof ListenSocket) listenSocket.close();
}

/** Same as {@link us_listen_socket_close}. */
export const closeListenSocket = us_listen_socket_close;

/** The local port of a listen socket, or -1 for anything else. */
export function us_socket_local_port(listenSocket: ListenSocket | false | null | undefined): number {
  return listenSocket instanceof ListenSocket ? listenSocket.port : -1;
}
