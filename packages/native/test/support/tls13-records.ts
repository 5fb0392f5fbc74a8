/**
 * TLS 1.3 records made by hand (RFC 8446 §5, §7), for tests that speak to the server's record
 * layer directly: the client's traffic secret comes from node:tls's `keylog` event, the records
 * are sealed here and written to the raw TCP socket under the TLS one.
 */
import { type CipherGCMTypes, createCipheriv, createHmac } from 'node:crypto';

export type Tls13SuiteName = 'TLS_AES_128_GCM_SHA256' | 'TLS_AES_256_GCM_SHA384' | 'TLS_CHACHA20_POLY1305_SHA256';

interface Suite {
  cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  hash: 'sha256' | 'sha384';
  keyLength: number;
}

const SUITES: Record<Tls13SuiteName, Suite> = {
  TLS_AES_128_GCM_SHA256: { cipher: 'aes-128-gcm', hash: 'sha256', keyLength: 16 },
  TLS_AES_256_GCM_SHA384: { cipher: 'aes-256-gcm', hash: 'sha384', keyLength: 32 },
  TLS_CHACHA20_POLY1305_SHA256: { cipher: 'chacha20-poly1305', hash: 'sha256', keyLength: 32 },
};

export const CONTENT = { alert: 21, handshake: 22, applicationData: 23 } as const;

/** HKDF-Expand-Label(secret, label, "", length), length <= the hash's size (§7.1). */
function expandLabel(hash: Suite['hash'], secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([0, 1])]);
  return createHmac(hash, secret).update(info).digest().subarray(0, length);
}

/** One direction's record protection, as the client sealing records for the server. */
export class RecordSealer {
  private readonly suite: Suite;
  private secret: Buffer;
  private key!: Buffer;
  private iv!: Buffer;
  private sequence = 0n;

  constructor(suiteName: Tls13SuiteName, secret: Buffer) {
    this.suite = SUITES[suiteName];
    this.secret = secret;
    this.derive();
  }

  private derive(): void {
    this.key = expandLabel(this.suite.hash, this.secret, 'key', this.suite.keyLength);
    this.iv = expandLabel(this.suite.hash, this.secret, 'iv', 12);
    this.sequence = 0n;
  }

  /** After sending a KeyUpdate: the next traffic secret, new key and IV (§7.2). */
  advance(): void {
    this.secret = expandLabel(this.suite.hash, this.secret, 'traffic upd', this.secret.length);
    this.derive();
  }

  /** A protected record: `content`, its inner type, `padding` zero bytes; `tamper` flips a tag bit. */
  seal(innerType: number, content: Uint8Array, options: { padding?: number; tamper?: boolean } = {}): Buffer {
    const inner = Buffer.concat([content, Buffer.from([innerType]), Buffer.alloc(options.padding ?? 0)]);
    const length = inner.length + 16;
    const header = Buffer.from([CONTENT.applicationData, 3, 3, length >> 8, length & 0xff]);
    const nonce = Buffer.from(this.iv);
    for (let i = 0; i < 8; i++) nonce[11 - i] ^= Number((this.sequence >> BigInt(8 * i)) & 0xffn);
    this.sequence++;
    // ChaCha20-Poly1305 has the same AEAD calls as the GCM ciphers the type names.
    const cipher = createCipheriv(this.suite.cipher as CipherGCMTypes, this.key, nonce, { authTagLength: 16 });
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(inner), cipher.final()]);
    const tag = cipher.getAuthTag();
    if (options.tamper) tag[0] ^= 1;
    return Buffer.concat([header, body, tag]);
  }
}

/** A KeyUpdate handshake message (§4.6.3); `request` 1 asks the peer to update too. */
export function keyUpdate(request: number): Buffer {
  return Buffer.from([24, 0, 0, 1, request]);
}

/** The secret for `label` in a key log line, or undefined. */
export function secretFromKeylog(line: Buffer, label: string): Buffer | undefined {
  const [name, , secret] = line.toString('latin1').trim().split(' ');
  return name === label && secret !== undefined ? Buffer.from(secret, 'hex') : undefined;
}
