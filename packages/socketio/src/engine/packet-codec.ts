/**
 * The engine.io wire formats behind one face: protocol v4 (engine.io-parser: payloads split by
 * the record separator \x1e, binary as base64 with a 'b' prefix) and protocol v3 (Socket.IO 2
 * clients: `<length>:<packet>` payloads, binary payloads with size headers).
 */
import { type Packet, type PacketType, decodePacket, decodePayload, encodePacket, encodePayload } from 'engine.io-parser';

export type { Packet, PacketType };

export interface PacketCodec {
  /** One packet as a websocket message. */
  encodePacket(packet: Packet, supportsBinary: boolean): string | Buffer;
  /** Packets as one polling response body. */
  encodePayload(packets: Packet[], supportsBinary: boolean): string | Buffer;
  decodePacket(data: string | Buffer): Packet;
  /** A polling request body; a malformed body ends in an `error` packet. */
  decodePayload(data: string | Buffer): Packet[];
}

function syncResult<T>(run: (cb: (value: T) => void) => void): T {
  let out: { value: T } | undefined;
  run((value) => (out = { value }));
  if (out === undefined) throw new Error('engine.io-parser answered asynchronously');
  return out.value;
}

export const codecV4: PacketCodec = {
  encodePacket: (packet, supportsBinary) => syncResult<string | Buffer>((cb) => encodePacket(packet, supportsBinary, cb as (v: unknown) => void)),
  encodePayload: (packets) => syncResult<string>((cb) => encodePayload(packets, cb)),
  decodePacket: (data) => decodePacket(data, 'nodebuffer'),
  decodePayload: (data) => decodePayload(typeof data === 'string' ? data : data.toString('utf8'), 'nodebuffer'),
};

const TYPES: readonly PacketType[] = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'];
const ERROR: Packet = { type: 'error', data: 'parser error' };

function typeNumber(type: PacketType): number {
  const n = TYPES.indexOf(type);
  if (n < 0) throw new Error(`no v3 encoding for packet type ${type}`);
  return n;
}

/** Bytes in any form: an ArrayBuffer or any view of one (Buffer, Int8Array, DataView...). */
function isBinary(data: unknown): data is ArrayBufferView | ArrayBuffer {
  return ArrayBuffer.isView(data) || data instanceof ArrayBuffer;
}

function toBuffer(data: ArrayBufferView | ArrayBuffer): Buffer {
  return data instanceof ArrayBuffer ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function decodeV3String(text: string): Packet {
  if (text.length === 0) return ERROR;
  if (text[0] === 'b') {
    const type = TYPES[Number(text[1])];
    return type === undefined ? ERROR : { type, data: Buffer.from(text.slice(2), 'base64') };
  }
  const type = TYPES[Number(text[0])];
  if (type === undefined || !/^[0-9]$/.test(text[0])) return ERROR;
  return text.length > 1 ? { type, data: text.slice(1) } : { type };
}

export const codecV3: PacketCodec = {
  encodePacket(packet, supportsBinary) {
    const type = typeNumber(packet.type);
    const data = packet.data as string | ArrayBufferView | ArrayBuffer | undefined;
    if (isBinary(data)) {
      const bytes = toBuffer(data);
      return supportsBinary ? Buffer.concat([Buffer.from([type]), bytes]) : `b${type}${bytes.toString('base64')}`;
    }
    return `${type}${data === undefined ? '' : String(data)}`;
  },

  encodePayload(packets, supportsBinary) {
    if (supportsBinary && packets.some((p) => isBinary(p.data))) {
      // Binary payload: per packet [0 = text | 1 = binary][length as decimal digit bytes][255][content].
      const parts: Buffer[] = [];
      for (const packet of packets) {
        const encoded = codecV3.encodePacket(packet, true);
        const content = typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded;
        const digits = String(content.length).split('').map(Number);
        parts.push(Buffer.from([typeof encoded === 'string' ? 0 : 1, ...digits, 255]), content);
      }
      return Buffer.concat(parts);
    }
    if (packets.length === 0) return '0:';
    let out = '';
    for (const packet of packets) {
      const encoded = codecV3.encodePacket(packet, false) as string;
      out += `${encoded.length}:${encoded}`;
    }
    return out;
  },

  decodePacket(data) {
    if (typeof data === 'string') return decodeV3String(data);
    const type = TYPES[data[0]];
    return type === undefined ? ERROR : { type, data: data.subarray(1) };
  },

  decodePayload(data) {
    const packets: Packet[] = [];
    if (typeof data !== 'string') {
      let i = 0;
      while (i < data.length) {
        const kind = data[i++];
        let length = 0;
        let digits = 0;
        while (i < data.length && data[i] !== 255) {
          if (data[i] > 9 || ++digits > 310) return [ERROR];
          length = length * 10 + data[i++];
        }
        i++; // the 255
        if (digits === 0 || i + length > data.length || (kind !== 0 && kind !== 1)) return [ERROR];
        const content = data.subarray(i, i + length);
        i += length;
        packets.push(kind === 0 ? decodeV3String(content.toString('utf8')) : codecV3.decodePacket(content));
      }
      return packets;
    }
    let i = 0;
    while (i < data.length) {
      const colon = data.indexOf(':', i);
      if (colon < 0) return [ERROR];
      const lengthText = data.slice(i, colon);
      const length = Number(lengthText);
      if (lengthText === '' || !Number.isInteger(length) || colon + 1 + length > data.length) return [ERROR];
      const packet = decodeV3String(data.slice(colon + 1, colon + 1 + length));
      if (packet.type === 'error') return [ERROR];
      packets.push(packet);
      i = colon + 1 + length;
    }
    return packets;
  },
};

export function codecFor(protocol: number): PacketCodec {
  return protocol === 4 ? codecV4 : codecV3;
}
