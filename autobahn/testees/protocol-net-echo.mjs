// Autobahn|Testsuite echo testee: @uws/protocol driven by plain node:net sockets.
//
// The fuzzingclient connects, sends frames and expects every message echoed back with the same
// type. Everything protocol-related (handshake validation, permessage-deflate negotiation,
// framing, UTF-8, close handshake) is the codec's job; this file only moves bytes.
//
//   node autobahn/testees/protocol-net-echo.mjs [port]     (or PORT=..., default 9001)
//
// Compresses at AUTOBAHN_ZLIB_LEVEL (zlib-level.mjs; CI sets 0, see src/testees.mjs).

import { Buffer } from 'node:buffer';
import net from 'node:net';
import { ServerHandshake } from '@uws/protocol';
import { zlibLevel } from './zlib-level.mjs';

const HOST = '127.0.0.1';
const PORT = Number(process.argv[2] ?? process.env.PORT ?? 9001);
const LEVEL = zlibLevel();

/** Writes frames as one batch (Nagle is off, so uncorked small writes would each be a packet). */
function writeAll(socket, chunks) {
  if (chunks.length === 0) return;
  socket.cork();
  let ok = true;
  for (const chunk of chunks) ok = socket.write(chunk) && ok;
  socket.uncork();
  // Backpressure: stop reading (and so echoing) until the peer has taken what we wrote.
  if (!ok && !socket.isPaused()) {
    socket.pause();
    socket.once('drain', () => socket.resume());
  }
}

function onConnection(socket) {
  socket.setNoDelay(true);
  let conn; // set once the handshake is accepted
  let ended = false;

  const feed = (bytes) => {
    // receive() calls the handler synchronously, so echoes are written before it returns.
    conn.receive(bytes);
    // Pongs and close replies the codec produced on its own.
    writeAll(socket, conn.takeOutgoing());
    if (conn.shouldCloseTransport && !ended) {
      // end() flushes the close frame first; the server closes TCP first (RFC 6455 §7.1.1).
      ended = true;
      socket.end();
    }
  };

  const opening = new ServerHandshake({
    perMessageDeflate: true,
    connection: {
      // maxPayloadLength, maxFragments: the codec's defaults (100 MiB, 131 072 frames).
      compressionLevel: LEVEL,
      handler: {
        onMessage(data, isBinary) {
          // The codec queues pongs in its outbox while echoes are written here at once; flush
          // the outbox first so a pong for a ping that came before this message goes out first.
          writeAll(socket, conn.takeOutgoing());
          // `data` may be a view into the received chunk: it is used (copied) right here.
          const echo = isBinary
            ? conn.sendBinary(data)
            : conn.sendText(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
          writeAll(socket, echo);
        },
      },
    },
  });

  const handshake = (chunk) => {
    try {
      // An incomplete head queues nothing; a bad one a 400/431/426/403 (validate() then refuses).
      if (opening.receiveData(chunk) !== undefined && opening.validate() !== undefined) opening.accept();
    } catch (err) {
      socket.destroy(err);
      return;
    }
    if (opening.state === 'reading') return; // head not complete yet
    for (const bytes of opening.dataToSend()) socket.write(bytes); // the 101, or the rejection
    if (opening.state === 'rejected') return void socket.end();
    conn = opening.connection;
    // The client may send its first frames in the same packet as the request head.
    if (opening.rest.length > 0) feed(opening.rest);
  };

  socket.on('data', (chunk) => {
    if (conn === undefined) handshake(chunk);
    else if (!ended) feed(chunk);
  });
  // The peer closed its side: without a completed close handshake this is a 1006 for the codec.
  // (allowHalfOpen is off, so node ends our side too.)
  socket.on('end', () => conn?.receiveEof());
  socket.on('error', () => socket.destroy());
  // Also after errors and resets: receiveEof() is a no-op once closed, otherwise it frees zlib.
  socket.on('close', () => conn?.receiveEof());
}

const server = net.createServer(onConnection);
server.listen(PORT, HOST, () => {
  console.log(`@uws/protocol echo testee listening on ws://${HOST}:${server.address().port}`);
});
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
