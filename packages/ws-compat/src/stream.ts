/**
 * `createWebSocketStream(ws, options)`: a Duplex over a WebSocket, with ws's behaviour: each
 * message is a chunk (text as a string in object mode), writes are sent as messages, ending
 * the writable side starts the closing handshake, and destroying the stream terminates the
 * WebSocket.
 */
import { Duplex, type DuplexOptions } from 'node:stream';
import { CLOSED, CONNECTING } from './constants.js';
import type { WebSocket } from './websocket.js';

/** ws's `createWebSocketStream`: a Duplex over `ws` (writes are sent as messages, messages are read as chunks). */
export function createWebSocketStream(ws: WebSocket, options?: DuplexOptions): Duplex {
  let terminateOnDestroy = true;
  const duplex = new Duplex({
    ...options,
    autoDestroy: false,
    emitClose: false,
    objectMode: false,
    writableObjectMode: false,
  });

  ws.on('message', (msg, isBinary) => {
    // A text message is a Buffer (binaryType 'nodebuffer'); ws stringifies it the same way.
    const data = !isBinary && duplex.readableObjectMode ? (msg as Buffer).toString() : msg;
    if (!duplex.push(data)) ws.pause();
  });

  ws.once('error', (err: Error) => {
    if (duplex.destroyed) return;
    terminateOnDestroy = false;
    duplex.destroy(err);
  });

  ws.once('close', () => {
    if (duplex.destroyed) return;
    duplex.push(null);
  });

  duplex._destroy = (err, callback) => {
    if (ws.readyState === CLOSED) {
      callback(err);
      process.nextTick(emitClose, duplex);
      return;
    }
    let called = false;
    ws.once('error', (error: Error) => {
      called = true;
      callback(error);
    });
    ws.once('close', () => {
      if (!called) callback(err);
      process.nextTick(emitClose, duplex);
    });
    if (terminateOnDestroy) ws.terminate();
  };

  duplex._final = (callback) => {
    if (ws.readyState === CONNECTING) {
      ws.once('open', () => duplex._final(callback));
      return;
    }
    if (ws._socket === null) return;
    if (ws.readyState === CLOSED || ws._closeFrameSent) {
      callback();
      if (duplex.readableEnded) duplex.destroy();
      return;
    }
    // The close frame is written at once: the writable side is finished.
    ws.close();
    process.nextTick(callback);
  };

  duplex._read = () => {
    if (ws.isPaused) ws.resume();
  };

  duplex._write = (chunk, encoding, callback) => {
    if (ws.readyState === CONNECTING) {
      ws.once('open', () => duplex._write(chunk, encoding, callback));
      return;
    }
    ws.send(chunk as Buffer, callback); // not in object mode: chunks are Buffers
  };

  duplex.on('end', duplexOnEnd);
  duplex.on('error', duplexOnError);
  return duplex;
}

function emitClose(stream: Duplex): void {
  stream.emit('close');
}

function duplexOnEnd(this: Duplex): void {
  if (!this.destroyed && this.writableFinished) this.destroy();
}

function duplexOnError(this: Duplex, err: Error): void {
  this.removeListener('error', duplexOnError);
  this.destroy();
  if (this.listenerCount('error') === 0) this.emit('error', err);
}
