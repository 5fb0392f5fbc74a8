// A deliberately non-conformant client testee, for the runner's own tests: it runs the suite's
// client flow (/getCaseCount, /runCase, /updateReports) and echoes, but checks no UTF-8,
// accepts any close code and reason, and offers no permessage-deflate. With `unmasked` it also
// sends its frames unmasked, which a server must refuse. Framing, control frames and the close
// handshake are otherwise right. The fuzzing server must judge it FAILED or UNIMPLEMENTED
// exactly where it is broken.
//
//   node autobahn/testees/broken-client.mjs <ws://host:port> [agent] [concurrency] [unmasked]

import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { runClientFlow } from './client-flow.mjs';

const base = new URL(process.argv[2] ?? 'ws://127.0.0.1:9001');
const agent = process.argv[3] ?? 'broken-client';
const concurrency = Number(process.argv[4] ?? 1);
const unmasked = process.argv[5] === 'unmasked';
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** @param {number} opcode @param {Buffer} payload */
function frame(opcode, payload) {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + (unmasked ? 0 : 4));
  head[0] = 0x80 | opcode;
  const maskBit = unmasked ? 0 : 0x80;
  if (ext === 0) head[1] = maskBit | len;
  else if (ext === 2) {
    head[1] = maskBit | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  if (unmasked) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  key.copy(head, 2 + ext);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([head, body]);
}

/**
 * One connection: resolves with the messages received once the socket is closed.
 * @param {string} path @param {boolean} echo
 * @returns {Promise<Buffer[]>}
 */
function session(path, echo) {
  return new Promise((resolve) => {
    /** @type {Buffer[]} */
    const messages = [];
    const key = randomBytes(16).toString('base64');
    const socket = net.connect({ host: base.hostname, port: Number(base.port) });
    socket.setNoDelay(true);
    let buf = Buffer.alloc(0);
    /** @type {Buffer[]} bytes not yet joined to `buf`; joined once `need` bytes are there */
    let pending = [];
    let pendingLength = 0;
    let need = 0;
    let open = false;
    let closing = false;
    /** @type {{ opcode: number, parts: Buffer[] } | null} */
    let message = null;
    const fail = (/** @type {number} */ code) => {
      if (closing) return;
      closing = true;
      const c = Buffer.alloc(2);
      c.writeUInt16BE(code);
      socket.write(frame(8, c));
    };
    socket.on('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${base.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.on('data', (chunk) => {
      // Joining only when a whole frame can be there keeps 16 MiB messages linear (a join per
      // chunk is quadratic and stalls the loop long enough to make a neighbouring case unclean).
      pending.push(chunk);
      pendingLength += chunk.length;
      if (buf.length + pendingLength < need) return;
      buf = Buffer.concat([buf, ...pending]);
      pending = [];
      pendingLength = 0;
      need = 0;
      if (!open) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const accept = createHash('sha1').update(key + GUID).digest('base64');
        if (!head.startsWith('HTTP/1.1 101') || !head.includes(accept)) return socket.destroy();
        buf = buf.subarray(end + 4);
        open = true;
      }
      while (buf.length >= 2) {
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        const masked = (buf[1] & 0x80) !== 0;
        if (masked) off += 4;
        if (buf.length < off + len) {
          need = off + len;
          return;
        }
        const fin = (buf[0] & 0x80) !== 0;
        const rsv = buf[0] & 0x70;
        const opcode = buf[0] & 0x0f;
        const payload = Buffer.from(buf.subarray(off, off + len));
        if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= buf[off - 4 + (i & 3)];
        buf = buf.subarray(off + len);
        if (closing && opcode !== 8) continue;
        if (rsv !== 0) fail(1002);
        else if (opcode >= 8) {
          if (!fin || len > 125) fail(1002);
          else if (opcode === 9) socket.write(frame(10, payload));
          else if (opcode === 8) {
            // No validation of the code or the reason: echo the code, then wait for the
            // server to close TCP.
            if (!closing) socket.write(frame(8, payload.subarray(0, 2)));
            closing = true;
          } else if (opcode !== 10) fail(1002);
        } else if (opcode === 0 && !message) fail(1002);
        else if (opcode !== 0 && message) fail(1002);
        else if (opcode > 2) fail(1002);
        else {
          if (opcode !== 0) message = { opcode, parts: [] };
          message?.parts.push(payload);
          if (fin && message) {
            // No UTF-8 check: invalid text is echoed as if it were fine.
            const data = Buffer.concat(message.parts);
            messages.push(data);
            if (echo) socket.write(frame(message.opcode, data));
            message = null;
          }
        }
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(messages));
  });
}

const count = await runClientFlow(session, agent, concurrency);
console.log(`${agent}: ran ${count} cases`);
process.exit(0);
