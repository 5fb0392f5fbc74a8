import { readFileSync } from 'node:fs';
import net from 'node:net';
import { ServerHandshake, prepareMessage } from '@uws/protocol';

const PAGE = readFileSync(new URL('./page.html', import.meta.url));
/** Chat lines longer than this are refused with 1009: a demo keeps its memory small. */
const MAX_MESSAGE = 4096;

/**
 * A chat room: GET / serves the page, GET /chat upgrades to a WebSocket, and every text message
 * is broadcast to everyone, framed once for all (the codec's prepared-message path).
 * The codec does no IO; this file is the IO: node:net sockets in, bytes out.
 */
export function createChatServer() {
  /** @type {Set<{ socket: net.Socket, conn: Connection }>} */
  const members = new Set();

  const broadcast = (text) => {
    const frame = prepareMessage(text, { compress: text.length > 256 });
    for (const member of members) {
      if (member.conn.state === 'open') writeAll(member.socket, member.conn.sendPrepared(frame));
    }
  };

  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let member;
    const handshake = new ServerHandshake({
      perMessageDeflate: true,
      connection: {
        maxPayloadLength: MAX_MESSAGE,
        handler: {
          onMessage(data, isBinary) {
            if (!isBinary) broadcast(Buffer.from(data).toString('utf8'));
          },
          onClose() {
            members.delete(member);
          },
        },
      },
    });
    const writeHandshake = () => {
      for (const chunk of handshake.dataToSend()) socket.write(chunk);
      if (handshake.state === 'rejected') socket.end();
    };

    const onData = (chunk) => {
      if (member !== undefined) return feed(member, chunk);
      if (handshake.state !== 'reading') return; // answered (the page, or a rejection): closing
      let request;
      try {
        request = handshake.receiveData(chunk);
      } catch {
        return void socket.destroy();
      }
      if (request === undefined) return writeHandshake(); // incomplete, or a 400/431 to send
      const path = request.target.split('?')[0];
      if (request.headers.get('upgrade') === undefined) {
        // Plain HTTP: the page, or 404.
        if (request.method === 'GET' && path === '/') {
          socket.write(
            `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${PAGE.length}\r\nConnection: close\r\n\r\n`,
          );
          socket.end(PAGE);
        } else {
          handshake.reject(404, 'Not Found');
          writeHandshake();
        }
        return;
      }
      if (path !== '/chat') {
        handshake.reject(404, 'Not Found');
        return writeHandshake();
      }
      try {
        if (handshake.validate() !== undefined) handshake.accept(); // else 400/403/426 queued
      } catch {
        return void socket.destroy();
      }
      writeHandshake();
      if (handshake.state !== 'accepted') return;
      member = { socket, conn: handshake.connection };
      members.add(member);
      broadcast(`* someone joined (${members.size} here)`);
      if (handshake.rest.length > 0) feed(member, handshake.rest);
    };

    socket.on('data', onData);
    socket.on('end', () => {
      if (member !== undefined) member.conn.receiveEof();
      socket.end();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (member !== undefined && members.delete(member)) broadcast(`* someone left (${members.size} here)`);
    });
  });

  server.members = members;
  return server;
}

function feed(member, chunk) {
  const { conn, socket } = member;
  conn.receive(chunk);
  writeAll(socket, conn.takeOutgoing());
  if (conn.shouldCloseTransport) socket.end();
}

function writeAll(socket, chunks) {
  for (const c of chunks) socket.write(c);
}
