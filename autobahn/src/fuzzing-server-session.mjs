// @ts-check
// The fuzzer as a server (fuzzing-server mode, testing clients): given an accepted socket
// whose upgrade request was read and judged valid, it answers 101 (accepting permessage-deflate
// only as the case's rule says) and opens.
import { Buffer } from 'node:buffer';
import { FuzzingSession } from './fuzzing-session.mjs';
import { acceptKey } from './http-head.mjs';
import { FuzzerDeflate } from './permessage-deflate-client.mjs';
import { acceptResponse } from './permessage-deflate-server.mjs';

export class FuzzingServerSession extends FuzzingSession {
  /**
   * @param {import('node:net').Socket} socket
   * @param {import('./fuzzing-session.mjs').SessionListener} listener
   * @param {{ deflateLevel?: number }} o
   */
  constructor(socket, listener, o) {
    super(socket, listener, { isServer: true, deflateLevel: o.deflateLevel });
  }

  /**
   * Answers the upgrade and opens the connection.
   * @param {string} key  the client's Sec-WebSocket-Key
   * @param {import('./permessage-deflate-server.mjs').ServerAccept | undefined} accept  the accepted offer, if any
   * @param {Buffer} rest  bytes the client sent after its request head
   */
  accept(key, accept, rest) {
    const lines = ['HTTP/1.1 101 Switching Protocols', 'Server: uws-autobahn', 'Upgrade: WebSocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(key)}`];
    /** @type {FuzzerDeflate | null} */
    let deflate = null;
    if (accept) {
      const { response, agreement } = acceptResponse(accept);
      lines.push(`Sec-WebSocket-Extensions: ${response}`);
      deflate = new FuzzerDeflate(agreement, this.deflateLevel, true);
    }
    this.socket.write(Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'));
    this.open(deflate, rest);
  }
}
