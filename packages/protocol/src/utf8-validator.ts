import { isUtf8 } from 'node:buffer';

/**
 * Incremental UTF-8 validator (RFC 3629) for text messages that arrive in pieces.
 *
 * It fails on the first chunk that contains an invalid byte, and also on a chunk that ends in
 * a prefix no valid code point can start with (e.g. `F4 90`), so a bad fragment is rejected
 * before the rest of the message arrives (Autobahn 6.4.x "fail fast"). Complete code points are
 * checked in bulk by Node's native `isUtf8`; only the ≤ 3 bytes of a code point split between
 * chunks go through the small state machine here.
 */
export class Utf8Validator {
  /** Continuation bytes still expected for the current code point. */
  private need = 0;
  /** Allowed range of the next continuation byte (narrower after E0, ED, F0, F4). */
  private lo = 0x80;
  private hi = 0xbf;

  /** Validates `bytes[start, end)`. Returns false as soon as the input cannot be UTF-8. */
  push(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
    let i = start;
    while (this.need > 0 && i < end) {
      const b = bytes[i++];
      if (b < this.lo || b > this.hi) return false;
      this.lo = 0x80;
      this.hi = 0xbf;
      this.need--;
    }
    if (i >= end) return true;

    // A code point cut by the end of this chunk is left to the state machine.
    let tail = end;
    for (let k = end - 1; k >= i && k >= end - 3; k--) {
      const b = bytes[k];
      if (b < 0x80) break;
      if (b >= 0xc0) {
        const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
        if (k + len > end) tail = k;
        break;
      }
    }
    if (tail > i && !isUtf8(bytes.subarray(i, tail))) return false;
    for (let k = tail; k < end; k++) {
      if (!this.step(bytes[k])) return false;
    }
    return true;
  }

  /** True when no code point is left incomplete: call at the end of a message. */
  isComplete(): boolean {
    return this.need === 0;
  }

  /** Forgets any partial code point (start of a new message). */
  reset(): void {
    this.need = 0;
    this.lo = 0x80;
    this.hi = 0xbf;
  }

  private step(b: number): boolean {
    if (this.need > 0) {
      if (b < this.lo || b > this.hi) return false;
      this.lo = 0x80;
      this.hi = 0xbf;
      this.need--;
      return true;
    }
    if (b < 0x80) return true;
    if (b >= 0xc2 && b <= 0xdf) {
      this.need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      this.need = 2;
      if (b === 0xe0) this.lo = 0xa0; // no overlong 3-byte forms
      else if (b === 0xed) this.hi = 0x9f; // no UTF-16 surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      this.need = 3;
      if (b === 0xf0) this.lo = 0x90; // no overlong 4-byte forms
      else if (b === 0xf4) this.hi = 0x8f; // nothing above U+10FFFF
    } else {
      return false;
    }
    return true;
  }
}

/** Validates a complete byte sequence as UTF-8. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  return isUtf8(bytes);
}
