// @ts-check
// The fuzzer as a client (fuzzing-client mode, testing servers): it connects, offers the case's
// permessage-deflate parameters, and checks the server's answer as the suite's client does.
// With `tls` (wss://) it connects over TLS.
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { FuzzingSession } from './fuzzing-session.mjs';
import { acceptKey, readHead } from './http-head.mjs';
import { FuzzerDeflate, offerString, parseDeflateResponse } from './permessage-deflate-client.mjs';

export class FuzzingClientSession extends FuzzingSession {
  /**
   * @param {{ host: string, port: number, path?: string, offers?: import('./permessage-deflate-client.mjs').DeflateOffer[], deflateLevel?: number, tls?: boolean }} target
   * @param {import('./fuzzing-session.mjs').SessionListener} listener
   */
  constructor(target, listener) {
    // wss: the testee's certificate is a test-only one, so it is not verified.
    const socket = target.tls
      ? tls.connect({ host: target.host, port: target.port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
      : net.connect({ host: target.host, port: target.port });
    super(socket, listener, { isServer: false, deflateLevel: target.deflateLevel });
    this.target = target;
    this.key = randomBytes(16).toString('base64');
    this.head = Buffer.alloc(0);
    // Over TLS the handshake may only be written once the TLS handshake is done.
    this.socket.on(target.tls ? 'secureConnect' : 'connect', () => this.sendOpeningHandshake());
    this.socket.on('data', (chunk) => this.onHandshakeData(chunk));
  }

  sendOpeningHandshake() {
    const { host, port, path = '/', offers = [] } = this.target;
    const lines = [
      `GET ${path} HTTP/1.1`,
      `Host: ${host}:${port}`,
      'Upgrade: WebSocket',
      'Connection: Upgrade',
      'Pragma: no-cache',
      'Cache-Control: no-cache',
      `Sec-WebSocket-Key: ${this.key}`,
      'Sec-WebSocket-Version: 13',
    ];
    if (offers.length > 0) lines.push(`Sec-WebSocket-Extensions: ${offers.map(offerString).join(', ')}`);
    this.socket.write(lines.join('\r\n') + '\r\n\r\n');
  }

  /** @param {Buffer} chunk */
  onHandshakeData(chunk) {
    if (this.state !== 'CONNECTING') return;
    this.head = Buffer.concat([this.head, chunk]);
    const end = this.head.indexOf('\r\n\r\n');
    if (end < 0) return;
    const rest = this.head.subarray(end + 4);
    const deflate = this.acceptResponse(this.head.subarray(0, end).toString('latin1'));
    if (deflate === false) {
      this.dropConnection(true);
      return;
    }
    this.open(deflate, rest);
  }

  /**
   * @param {string} head
   * @returns {FuzzerDeflate | null | false}  false: the response is refused
   */
  acceptResponse(head) {
    const { firstLine, headers } = readHead(head);
    if (!/^HTTP\/1\.1 101\b/.test(firstLine)) return false;
    if (headers.get('sec-websocket-accept') !== acceptKey(this.key)) return false;
    try {
      const agreement = parseDeflateResponse(headers.get('sec-websocket-extensions'));
      if (!agreement) return null;
      if ((this.target.offers ?? []).length === 0) return false;
      return new FuzzerDeflate(agreement, this.deflateLevel, false);
    } catch {
      return false;
    }
  }
}
