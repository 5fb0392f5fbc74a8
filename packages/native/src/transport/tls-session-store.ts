/**
 * Bounded TLS session stores for the node:tls transport (the native transport keeps its own in
 * C++): a server's TLS 1.2 sessions by id, and a client's latest session per server.
 */
import type { TlsConnectOptions } from './transport.js';

interface Entry {
  data: Buffer;
  expires: number;
}

/** At most `capacity` sessions, each for `timeoutSeconds`; a full store drops its oldest entry. */
export class SessionStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly capacity: number,
    private readonly timeoutSeconds: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  set(key: string, data: Buffer): void {
    this.entries.delete(key);
    if (this.capacity === 0) return;
    while (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { data, expires: Date.now() + this.timeoutSeconds * 1000 });
  }

  get(key: string): Buffer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires > Date.now()) return entry.data;
    this.entries.delete(key);
    return undefined;
  }
}

const MAX_OPTION_SETS = 16;
const caIds = new Map<string, number>();
let nextCaId = 0;

/**
 * A key naming a set of client TLS options (everything but the server name), cheap to compute
 * again: the CA text (Node's whole root bundle by default) enters it as a small number, and V8
 * caches a string's hash, so the same bundle is found again at no cost.
 */
export function clientOptionsKey(tls: TlsConnectOptions): string {
  const { servername: _servername, ...options } = tls;
  let caId = caIds.get(options.ca);
  if (caId === undefined) {
    if (caIds.size >= MAX_OPTION_SETS * 4) caIds.clear(); // ids never repeat: old keys just stop matching
    caIds.set(options.ca, (caId = nextCaId++));
  }
  return JSON.stringify({ ...options, ca: caId });
}

// Client sessions per option set: a session verified under one set of options (CA, client
// certificate, rejectUnauthorized) must never resume a connection made under another.
const clientStores = new Map<string, SessionStore>();

/** The store of client sessions for these options (TLS tickets live for at most a week). */
export function clientSessionStore(tls: TlsConnectOptions): SessionStore {
  const key = clientOptionsKey(tls);
  let store = clientStores.get(key);
  if (store === undefined) {
    if (clientStores.size >= MAX_OPTION_SETS) clientStores.delete(clientStores.keys().next().value as string);
    store = new SessionStore(tls.maxCachedSessions, 7 * 24 * 3600);
    clientStores.set(key, store);
  }
  return store;
}
