/**
 * HTTP long-polling: the client holds one GET open to receive (answered when there is
 * something to send) and POSTs what it sends. A second GET while one is held, a second POST
 * while one is read, a body past `maxHttpBufferSize`, binary bodies on v4 and a client that
 * vanishes mid-request each end the session with a transport error; none throws.
 */
import type { ZlibOptions } from 'node:zlib';
import type { EngineRequest } from './engine-request.js';
import type { EngineResponse } from './engine-response.js';
import type { Packet } from './packet-codec.js';
import { compressBody, negotiateEncoding } from './polling-compression.js';
import { Transport } from './transport.js';

export interface PollingOptions {
  maxHttpBufferSize: number;
  httpCompression: false | ({ threshold: number } & ZlibOptions);
  httpRequestBodyTimeout: number;
  closeTimeout: number;
}

export class PollingTransport extends Transport {
  readonly name = 'polling' as const;
  private readonly options: PollingOptions;
  /** ms a close waits for the client's next GET (engine.io's property; from `closeTimeout`). */
  closeTimeout: number;
  /** The held GET. */
  private req: EngineRequest | undefined;
  private res: EngineResponse | undefined;
  /** The POST being read. */
  private dataReq: EngineRequest | undefined;
  /** A close waiting for the next GET to carry the close packet. */
  private shouldClose: (() => void) | undefined;

  constructor(req: EngineRequest, options: PollingOptions) {
    super(req);
    this.options = options;
    this.closeTimeout = options.closeTimeout;
  }

  override onRequest(req: EngineRequest): void {
    const res = req.res!;
    req.res = null; // the handshake request stays referenced by the socket: do not keep its response
    if (req.method === 'GET') this.onPollRequest(req, res);
    else if (req.method === 'POST') this.onDataRequest(req, res);
    else res.writeHead(500).end();
  }

  private onPollRequest(req: EngineRequest, res: EngineResponse): void {
    if (this.req !== undefined) {
      this.onError('overlap from client');
      res.writeHead(400).end();
      return;
    }
    this.req = req;
    this.res = res;
    const onClose = (): void => this.onError('poll connection closed prematurely');
    req.cleanup = () => {
      req.removeListener('close', onClose);
      this.req = this.res = undefined;
    };
    req.on('close', onClose);
    this.writable = true;
    this.emit('ready');
    // A close waited for this GET: send it (as a noop the close packet rides on).
    if (this.writable && this.shouldClose !== undefined) this.send([{ type: 'noop' }]);
  }

  private onDataRequest(req: EngineRequest, res: EngineResponse): void {
    if (this.dataReq !== undefined) {
      this.onError('data request overlap from client');
      res.writeHead(400).end();
      return;
    }
    const isBinary = req.headers['content-type'] === 'application/octet-stream';
    if (isBinary && this.protocol === 4) {
      this.onError('invalid content');
      res.writeHead(400).end();
      return;
    }
    this.dataReq = req;
    let settled = false;
    const timer = setTimeout(() => {
      finish();
      res.writeHead(408).end();
      this.onError('http request timeout');
      req.destroy();
    }, this.options.httpRequestBodyTimeout);
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      this.dataReq = undefined;
      return true;
    };
    req.readBody((result) => {
      if (!finish()) return;
      if (!result.ok) {
        if (result.reason === 'too large') {
          res.writeHead(413).end();
          this.onError('payload too large');
        } else this.onError('data request connection closed prematurely');
        return;
      }
      this.onData(isBinary ? result.body : result.body.toString('utf8'));
      // text/html, not text/plain: some user agents offer text/plain as a download.
      res.writeHead(200, this.headers(req, { 'Content-Type': 'text/html' })).end('ok');
    });
  }

  private onData(data: string | Buffer): void {
    for (const packet of this.codec.decodePayload(data)) {
      if (packet.type === 'close') {
        this.onClose();
        return;
      }
      this.onPacket(packet);
      if (this.readyState === 'closed') return;
    }
  }

  override onClose(): void {
    // Answer the held GET so the client is not left hanging.
    if (this.writable) this.send([{ type: 'noop' }]);
    super.onClose();
  }

  send(packets: Packet[]): void {
    this.writable = false;
    if (this.shouldClose !== undefined) {
      packets.push({ type: 'close' });
      const shouldClose = this.shouldClose;
      this.shouldClose = undefined;
      shouldClose();
    }
    const compress = packets.some((packet) => packet.options?.compress === true);
    this.write(this.codec.encodePayload(packets, this.supportsBinary), compress);
  }

  private write(data: string | Buffer, compress: boolean): void {
    const req = this.req;
    const res = this.res;
    if (req === undefined || res === undefined) return;
    const headers: Record<string, string> = {
      'Content-Type': typeof data === 'string' ? 'text/plain; charset=UTF-8' : 'application/octet-stream',
    };
    const done = (): void => {
      req.cleanup?.();
      this.emit('drain');
    };
    const respond = (body: string | Buffer): void => {
      res.writeHead(200, this.headers(req, headers)).end(body);
      done();
    };
    const compression = this.options.httpCompression;
    if (compression === false || !compress) return respond(data);
    const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (length < compression.threshold) return respond(data);
    const encoding = negotiateEncoding(req.headers['accept-encoding']);
    if (encoding === undefined) return respond(data);
    compressBody(data, encoding, compression, (error, out) => {
      if (error !== null) {
        res.writeHead(500).end();
        done();
        return;
      }
      headers['Content-Encoding'] = encoding;
      respond(out);
    });
  }

  protected doClose(fn: () => void): void {
    this.dataReq?.destroy();
    let timer: NodeJS.Timeout | undefined;
    const onClose = (): void => {
      clearTimeout(timer);
      fn();
      this.onClose();
    };
    if (this.writable) {
      this.send([{ type: 'close' }]);
      onClose();
    } else if (this.discarded) onClose();
    else {
      this.shouldClose = onClose;
      timer = setTimeout(onClose, this.closeTimeout);
    }
  }

  /** The response headers of this transport, after `headers` listeners changed them. */
  private headers(req: EngineRequest, headers: Record<string, string | string[]>): Record<string, string | string[]> {
    const ua = req.headers['user-agent'];
    if (ua !== undefined && (ua.includes(';MSIE') || ua.includes('Trident/'))) headers['X-XSS-Protection'] = '0';
    headers['cache-control'] = 'no-store';
    this.emit('headers', headers, req);
    return headers;
  }
}
