// WebSocket frames read and written byte by byte, independently of the codec under test: the
// mutator finds frame headers with it, the oracles decode what the codec sent, and the seed
// script re-masks client frames with fixed keys (the codec's keys are random).

/**
 * Headers of the frames in `bytes` from `offset`, as far as they parse: for each, where it
 * starts, where its length field is and how long it is (1, 3 or 9 bytes with the 7-bit field),
 * whether it is masked, the payload length and where the payload starts.
 */
export function frameHeaders(bytes, offset = 0) {
  const out = [];
  let at = offset;
  while (at + 2 <= bytes.length) {
    const len7 = bytes[at + 1] & 0x7f;
    const masked = (bytes[at + 1] & 0x80) !== 0;
    const lengthBytes = len7 === 126 ? 3 : len7 === 127 ? 9 : 1;
    const headerEnd = at + 1 + lengthBytes + (masked ? 4 : 0);
    if (headerEnd > bytes.length) break;
    let length = len7;
    if (len7 === 126) length = (bytes[at + 2] << 8) | bytes[at + 3];
    else if (len7 === 127) {
      length = 0;
      for (let i = 0; i < 8; i++) length = length * 256 + bytes[at + 2 + i];
    }
    out.push({ at, lengthAt: at + 1, lengthBytes, masked, length, payloadAt: headerEnd });
    if (headerEnd + length > bytes.length) break;
    at = headerEnd + length;
  }
  return out;
}

/** The bytes of a length field (with the mask bit) encoding `length` in `lengthBytes` bytes (1, 3 or 9). */
export function lengthField(length, lengthBytes, masked) {
  const m = masked ? 0x80 : 0;
  if (lengthBytes === 1) return [m | Math.min(length, 125)];
  if (lengthBytes === 3) return [m | 126, (length >>> 8) & 0xff, length & 0xff];
  const out = [m | 127];
  // Exact for any length up to 2^64 - 1 given as a BigInt or a safe integer.
  let big = BigInt(length);
  const bytes = [];
  for (let i = 0; i < 8; i++) {
    bytes.unshift(Number(big & 0xffn));
    big >>= 8n;
  }
  return out.concat(bytes);
}

/**
 * Encodes one frame: `key` (4 bytes) masks it, undefined leaves it unmasked. The length is
 * written in its shortest form.
 */
export function encodeRawFrame({ fin = true, rsv = 0, opcode, payload, key }) {
  const length = payload.length;
  const lengthBytes = length < 126 ? 1 : length < 0x10000 ? 3 : 9;
  const head = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | opcode, ...lengthField(length, lengthBytes, key !== undefined)];
  const out = new Uint8Array(head.length + (key ? 4 : 0) + length);
  out.set(head, 0);
  let o = head.length;
  if (key) {
    out.set(key, o);
    o += 4;
  }
  for (let i = 0; i < length; i++) out[o + i] = key ? payload[i] ^ key[i & 3] : payload[i];
  return out;
}

/**
 * Decodes complete frames (unmasking them); `rest` is the count of bytes left after the last
 * complete frame (0 for a well-formed stream).
 */
export function decodeFrames(bytes) {
  const frames = [];
  let end = 0;
  for (const h of frameHeaders(bytes)) {
    if (h.payloadAt + h.length > bytes.length) break;
    const key = h.masked ? bytes.subarray(h.payloadAt - 4, h.payloadAt) : undefined;
    const payload = new Uint8Array(h.length);
    for (let i = 0; i < h.length; i++) payload[i] = key ? bytes[h.payloadAt + i] ^ key[i & 3] : bytes[h.payloadAt + i];
    const b0 = bytes[h.at];
    frames.push({ fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked: h.masked, payload });
    end = h.payloadAt + h.length;
  }
  return { frames, rest: bytes.length - end };
}
