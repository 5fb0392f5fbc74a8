// A deliberately non-conformant echo server, for the runner's own tests: it checks no UTF-8,
// accepts any close code and reason, negotiates no permessage-deflate, and otherwise behaves
// (framing, control frames, close handshake). The runner must judge it FAILED or UNIMPLEMENTED
// exactly where the suite does.
//
//   node autobahn/testees/broken-echo.mjs [port]      (port 0: any free port; prints "listening <port>")

import { createHash } from 'node:crypto';
import net from 'node:net';

const port = Number(process.argv[2] ?? process.env.PORT ?? 9001);
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** @param {number} opcode @param {Buffer} payload @param {boolean} [fin] */
function frame(opcode, payload, fin = true) {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65536) {
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, payload]);
}

/** @param {net.Socket} socket */
function serve(socket) {
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
    socket.end(frame(8, c));
  };

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
      const key = /sec-websocket-key:\s*(\S+)/i.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? '';
      const accept = createHash('sha1').update(key + GUID).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      buf = buf.subarray(end + 4);
      open = true;
    }
    while (!closing && buf.length >= 2) {
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
      if (buf.length < off + 4 + len) {
        need = off + 4 + len;
        return;
      }
      const fin = (buf[0] & 0x80) !== 0;
      const rsv = buf[0] & 0x70;
      const opcode = buf[0] & 0x0f;
      const key = buf.subarray(off, off + 4);
      const payload = Buffer.from(buf.subarray(off + 4, off + 4 + len));
      for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
      buf = buf.subarray(off + 4 + len);
      if (rsv !== 0) return fail(1002);
      if (opcode >= 8) {
        if (!fin || len > 125) return fail(1002);
        if (opcode === 9) socket.write(frame(10, payload));
        else if (opcode === 8) {
          // No validation of the code or the reason: echo whatever came.
          closing = true;
          socket.end(frame(8, payload.subarray(0, 2)));
        } else if (opcode !== 10) return fail(1002);
        continue;
      }
      if (opcode === 0) {
        if (!message) return fail(1002);
        message.parts.push(payload);
      } else if (opcode === 1 || opcode === 2) {
        if (message) return fail(1002);
        message = { opcode, parts: [payload] };
      } else return fail(1002);
      if (fin) {
        // No UTF-8 check: invalid text is echoed as if it were fine.
        socket.write(frame(message.opcode, Buffer.concat(message.parts)));
        message = null;
      }
    }
  });
  socket.on('error', () => socket.destroy());
}

const server = net.createServer(serve);
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : port}`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
