// @ts-check
// Incremental UTF-8 validation of the text the server sends, failing on the first invalid byte
// (the suite's client validates the same way, frame by frame). WHATWG's fatal decoder is
// exactly that: it throws at the first byte that cannot continue a valid sequence, and in
// streaming mode keeps an incomplete trailing sequence for the next piece.
//
// Once invalid, the text stays invalid (as the suite's validator stays in its reject state): a
// later non-empty piece fails again, and so does the end.
export class Utf8Check {
  constructor() {
    this.decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    this.rejected = false;
  }

  /** @param {Uint8Array} piece @returns {boolean} false once the text is invalid */
  push(piece) {
    if (this.rejected) return piece.length === 0;
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
    try {
      this.decoder.decode();
      return true;
    } catch {
      return false;
    }
  }
}
