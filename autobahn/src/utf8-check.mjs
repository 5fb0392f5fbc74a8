// @ts-check
// Incremental UTF-8 validation of the text the server sends, failing on the first invalid byte
// (the suite's client validates the same way, frame by frame). WHATWG's fatal decoder is
// exactly that: it throws at the first byte that cannot continue a valid sequence, and in
// streaming mode keeps an incomplete trailing sequence for the next piece.
export class Utf8Check {
  constructor() {
    this.decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  }

  /** @param {Uint8Array} piece @returns {boolean} false once the text is invalid */
  push(piece) {
    try {
      this.decoder.decode(piece, { stream: true });
      return true;
    } catch {
      return false;
    }
  }

  /** @returns {boolean} false when the text ended inside a code point */
  end() {
    try {
      this.decoder.decode();
      return true;
    } catch {
      return false;
    }
  }
}
