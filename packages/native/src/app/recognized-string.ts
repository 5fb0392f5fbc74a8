/**
 * The kinds of data the App API accepts where uWebSockets.js takes a "RecognizedString".
 */
import { Buffer } from 'node:buffer';

/** Text, or bytes in an `ArrayBuffer` or any view of one (`Uint8Array`, `Buffer`, `DataView`, ...). */
export type RecognizedString = string | ArrayBuffer | ArrayBufferView;

/** The bytes of `value` (UTF-8 for text); views are not copied. */
export function toBytes(value: RecognizedString): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError('expected a string, an ArrayBuffer or an ArrayBuffer view');
}

/** `value` as text (bytes are decoded as UTF-8). */
export function toText(value: RecognizedString): string {
  if (typeof value === 'string') return value;
  const bytes = toBytes(value);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** A fresh `ArrayBuffer` holding exactly the UTF-8 bytes of `text`. */
export function textArrayBuffer(text: string): ArrayBuffer {
  return new TextEncoder().encode(text).buffer;
}
