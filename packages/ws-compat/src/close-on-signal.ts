/**
 * A one-line graceful shutdown for a `WebSocketServer` on a signal (ws has none: its default
 * SIGTERM ends the process with every queued message lost).
 */
import type { WebSocket } from './websocket.js';

/** Options of `wss.closeOnSignal()`. */
export interface CloseOnSignalOptions {
  /** The signals that start the shutdown. Default: `['SIGTERM', 'SIGINT']`. */
  signals?: readonly NodeJS.Signals[];
  /** Close code every client gets. Default: 1001 (going away). */
  code?: number;
  /** Close reason (at most 123 bytes). Default: `'server shutting down'`. */
  reason?: string;
  /**
   * Milliseconds (ws's unit) to wait for the clients' queued data and close handshakes; then the
   * rest are terminated. Default: 10 000 (inside the 30 s an orchestrator usually grants).
   */
  timeout?: number;
  /** Runs after the shutdown, before the signal is raised again. Default: none. */
  onShutdown?: (signal: NodeJS.Signals) => void;
}

/** What the shutdown needs of the server. */
export interface ClosableServer {
  clients?: Set<WebSocket>;
  close(cb?: (err?: Error) => void): void;
}

const DEFAULT_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Installs the signal handlers: stop accepting, `close(code, reason)` every tracked client
 * (each gets its queued data, then the close frame), wait for their `'close'` up to `timeout`,
 * terminate the rest, then raise the signal again with the handlers removed, so the process
 * ends as the signal would have ended it. A second signal meanwhile takes its default action.
 * Returns a function that removes the handlers.
 */
export function closeServerOnSignal(server: ClosableServer, options: CloseOnSignalOptions = {}): () => void {
  const signals = options.signals ?? DEFAULT_SIGNALS;
  const code = options.code ?? 1001;
  const reason = options.reason ?? 'server shutting down';
  const timeout = options.timeout ?? 10_000;
  if (typeof timeout !== 'number' || !(timeout > 0)) throw new RangeError(`timeout must be a number > 0, got ${String(timeout)}`);
  const onSignal = (signal: NodeJS.Signals): void => {
    remove();
    void shutdown(server, code, reason, timeout).then(() => {
      try {
        options.onShutdown?.(signal);
      } finally {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      }
    });
  };
  const remove = (): void => {
    for (const signal of signals) process.removeListener(signal, onSignal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return remove;
}

async function shutdown(server: ClosableServer, code: number, reason: string, timeout: number): Promise<void> {
  const closedServer = new Promise<void>((resolve) => server.close(() => resolve()));
  const clients = [...(server.clients ?? [])];
  const gone = clients.map((ws) => (ws.readyState === ws.CLOSED ? Promise.resolve() : new Promise<void>((resolve) => ws.once('close', () => resolve()))));
  for (const ws of clients) ws.close(code, reason);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeout)));
  await Promise.race([Promise.all(gone), expired]);
  clearTimeout(timer);
  for (const ws of clients) ws.terminate();
  await Promise.race([closedServer, new Promise<void>((resolve) => setTimeout(resolve, 1000))]);
}
