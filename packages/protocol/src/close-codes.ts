/**
 * Which close codes may appear on the wire (RFC 6455 §7.4). 1004, 1005, 1006 and 1015 are
 * reserved for local use and never sent; 1012–1014 are registered by IANA since the RFC and are
 * accepted (as browsers and Autobahn do); 3000–4999 belong to libraries and applications.
 */
export function isValidWireCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  if (code < 1000 || code > 1014) return false;
  return code !== 1004 && code !== 1005 && code !== 1006;
}

/** Longest close reason in bytes: a control payload is ≤ 125 bytes, 2 of them the code. */
export const MAX_CLOSE_REASON_BYTES = 123;
