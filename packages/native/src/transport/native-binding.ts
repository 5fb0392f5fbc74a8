import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared memory the addon hands out once per thread. */
export interface NativeShared {
  control: Int32Array;
  events: Int32Array;
  receive: ArrayBuffer;
  send: ArrayBuffer;
  commands: Int32Array;
  buffered: Float64Array;
  receiveBytes: number;
  /** Bytes of `receive` after the arena that the addon never writes (a scratch area for JS). */
  messageScratchBytes: number;
  sendBytes: number;
  eventCapacity: number;
  commandCapacity: number;
}

/** The addon's functions (src/cpp/addon.cc). Errors are thrown as JS errors with `code`. */
export interface NativeAddon {
  init(onBatch: () => void): NativeShared;
  listen(
    host: string,
    port: number,
    path: string,
    backlog: number,
    reusePort: boolean,
    ipv6Only: boolean,
    tlsContext?: number,
  ): [number, number];
  closeListener(id: number): void;
  connect(host: string, port: number, tlsContext?: number, servername?: string): [number, number];
  adopt(fd: number): [number, number];
  flush(): void;
  writeDirect(slot: number, gen: number, data: Uint8Array): void;
  end(slot: number, gen: number): void;
  destroy(slot: number, gen: number): void;
  pause(slot: number, gen: number): void;
  resume(slot: number, gen: number): void;
  setTimeout(slot: number, gen: number, seconds: number): void;
  remoteAddress(slot: number, gen: number): [string, number];
  liveSockets(): number;
  /**
   * How this thread's loop shared its read budget since the previous call (the counts start
   * again): [wake-ups, reads put off because the receive arena was full, the most wake-ups a
   * readable socket waited for its read].
   */
  readFairness(): [number, number, number];
  /**
   * The accept path at the descriptor limit (EMFILE/ENFILE), over this thread's life:
   * [episodes (each logged once), connections accepted and closed at once, at the limit now].
   */
  acceptFdLimit(): [number, number, boolean];
  xorMask(this: void, data: Uint8Array, maskWord: number): void;
  /** TLS contexts (src/cpp/tls-context.h): options as in `NativeTlsOptions`. */
  tlsContext(options: NativeTlsOptions): number;
  tlsUpdate(id: number, options: NativeTlsOptions): void;
  tlsAddServerName(id: number, host: string, options: NativeTlsOptions): void;
  tlsRemoveServerName(id: number, host: string): void;
  tlsMissingServerName(id: number, on: boolean): void;
  tlsFree(id: number): void;
  /** [serverName, alpn, verifyResult, error, peerCertificate, resumed, ownRecordLayer], or null for plain TCP. */
  tlsInfo(slot: number, gen: number): [string, string, number, string, boolean, boolean, boolean] | null;
  /** TLS sockets of this thread whose OpenSSL record buffers are kept between reads (busy ones). */
  tlsBuffersHeld(): number;
}

/** TLS options in the addon's shape (PEM text; `alpn` in wire format). */
export interface NativeTlsOptions {
  isServer: boolean;
  key: string;
  cert: string;
  passphrase: string;
  ca: string;
  dhParams: string;
  ciphers: string;
  ciphersuites: string;
  minVersion: number;
  alpn: string;
  requestCert: boolean;
  rejectUnauthorized: boolean;
  releaseBuffers: boolean;
  ownRecordLayer: boolean;
  sessionTickets: boolean;
  sessionTicketCount: number;
  sessionCacheSize: number;
  sessionTimeout: number;
  maxCachedSessions: number;
  handshakeTimeout: number;
}

let addon: NativeAddon | undefined;
let loadError: Error | undefined;

/** The package root: the nearest folder up from this module that holds binding.gyp. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the @uws/native package root (binding.gyp)');
}

/**
 * Loads the addon (a prebuilt binary if one ships, else the one built at install). Throws an
 * Error saying why when it is unavailable: not Linux, or the build failed.
 */
export function loadAddon(): NativeAddon {
  if (addon !== undefined) return addon;
  if (loadError !== undefined) throw loadError;
  try {
    if (process.platform !== 'linux') throw new Error(`epoll is Linux-only (this is ${process.platform})`);
    const require = createRequire(import.meta.url);
    // UWS_NATIVE_ADDON: load this binary instead (the AddressSanitizer test run uses it).
    const override = process.env.UWS_NATIVE_ADDON;
    if (override !== undefined && override !== '') addon = require(override) as NativeAddon;
    else addon = (require('node-gyp-build') as (dir: string) => NativeAddon)(packageRoot());
    return addon;
  } catch (err) {
    loadError = new Error(`the native addon is not available: ${(err as Error).message}`);
    throw loadError;
  }
}
