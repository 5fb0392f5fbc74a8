// @ts-check
// Incremental UTF-8 validation of the text the server sends, failing on the first invalid byte
// (the suite's client validates the same way, frame by frame). WHATWG's fatal decoder is
// exactly that: it throws at the first byte that cannot continue a valid sequence, and in
// streaming mode keeps an incomplete trailing sequence for the next piece.
//
// Once invalid, the text stays invalid (as the suite's validator stays in its reject state): a
// later non-empty piece fails again, and so does the end.
//
// The decoder builds a string nobody reads, which made it a fifth of the fuzzer's CPU time in
// the compression cases. So while every piece so far was whole, valid UTF-8 (no code point cut
// at its end), pieces are checked with isUtf8, which builds nothing: the decoder, fed nothing
// yet, is then in its initial state, exactly as after those pieces. The first piece isUtf8
// refuses (invalid, or a code point cut at its end) and every later one go to the decoder.
import { isUtf8 } from 'node:buffer';

export class Utf8Check {
  constructor() {
    this.decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    this.rejected = false;
    /** True while every piece so far was whole, valid UTF-8 and the decoder has seen none. */
    this.whole = true;
  }

  /** @param {Uint8Array} piece @returns {boolean} false once the text is invalid */
  push(piece) {
    if (this.rejected) return piece.length === 0;
    if (this.whole && isUtf8(piece)) return true;
    this.whole = false;
    try {
      this.decoder.decode(piece, { stream: true });
      return true;
    } catch {
      this.rejected = true;
      return false;
    }
  }

  /** @returns {boolean} false when the text ended inside a code point (or was invalid) */
  end() {
    if (this.rejected) return false;
    if (this.whole) return true;
    try {
      this.decoder.decode();
      return true;
    } catch {
      return false;
    }
  }
}
