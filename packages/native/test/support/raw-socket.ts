/**
 * Raw TCP exchanges for what no well-behaved client sends: malformed handshakes, slow heads,
 * frames built by hand.
 */
import net from 'node:net';
import { acceptKey } from '@uws/protocol';

export const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** A valid upgrade request head for `path`, with extra header lines. */
export function upgradeRequest(path = '/', extra: string[] = []): string {
  return [
    `GET ${path} HTTP/1.1`,
    'Host: localhost',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${KEY}`,
    'Sec-WebSocket-Version: 13',
    ...extra,
    '',
    '',
  ].join('\r\n');
}

/** The accept value for {@link KEY}. */
export const ACCEPT = acceptKey(KEY);

/** Connects to 127.0.0.1:`port`. */
export async function rawConnect(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Everything the server sends until it closes the connection (bounded by `ms`). */
export function readUntilClose(socket: net.Socket, ms = 5000): Promise<{ text: string; bytes: Buffer; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const finish = (closedByServer: boolean): void => {
      clearTimeout(timer);
      const bytes = Buffer.concat(chunks);
      resolve({ text: bytes.toString('latin1'), bytes, closedByServer });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      finish(false);
    }, ms);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.once('close', () => finish(true));
  });
}

/** Sends `request` on a fresh connection and returns the whole answer (until close). */
export async function exchange(port: number, request: string | Buffer, ms = 5000): Promise<{ text: string; bytes: Buffer; closedByServer: boolean }> {
  const socket = await rawConnect(port);
  const answer = readUntilClose(socket, ms);
  socket.write(request);
  return answer;
}

/** Reads from `socket` until `predicate(text so far)` holds; resolves with that text. */
export function readUntil(socket: net.Socket, predicate: (text: string) => boolean, ms = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.off('data', onData);
      reject(new Error(`timed out; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 200))}`));
    }, ms);
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      if (predicate(all.toString('latin1'))) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve(all);
      }
    };
    socket.on('data', onData);
  });
}

/** A masked client frame. */
export function clientFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const len = payload.length;
  const header = len < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | len]) : Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([header, mask, body]);
}
