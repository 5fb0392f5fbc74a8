import { readFileSync } from 'node:fs';
import { App, SHARED_COMPRESSOR } from '@uws/native';

const PAGE = readFileSync(new URL('./page.html', import.meta.url));

/**
 * An echo server: every message comes back as it was sent (text stays text, binary stays
 * binary), compressed when the client negotiated permessage-deflate. GET / serves a page to
 * try it from a browser.
 * @param {{ transport?: 'auto' | 'epoll' | 'node' }} [options]
 */
export function createEchoApp(options = {}) {
  return App({ transport: options.transport ?? 'auto' })
    .get('/', (res) => {
      res.writeHeader('Content-Type', 'text/html; charset=utf-8').end(PAGE);
    })
    .ws('/*', {
      compression: SHARED_COMPRESSOR,
      maxPayloadLength: 16 * 1024 * 1024,
      idleTimeout: 120,
      message: (ws, message, isBinary) => {
        ws.send(message, isBinary, message.length >= 1024);
      },
    });
}
