// An echo / fan-out server on the ws 8 API, for ws itself and for anything that implements the
// same API (@uws/ws-compat): echo on every path, "/sub" sockets kept in a Set, a message on
// "/pub" sent to each of them, the way ws's README shows. permessage-deflate on with the
// implementation's defaults (ws: threshold 1 KiB).
import https from 'node:https';
import { HOST, MAX_PAYLOAD, TLS, failed, port, ready, tlsPem } from './common.mjs';

/** Starts the server with the given WebSocketServer class; `detail` goes on the "listening" line. */
export function serveWsApi(WebSocketServer, detail = '') {
  const p = port();
  const subscribers = new Set();
  // With --tls: the WebSocketServer on an https.Server, the way ws's README shows wss.
  const httpsServer = TLS ? https.createServer(tlsPem()) : undefined;
  const wss = TLS
    ? new WebSocketServer({ server: httpsServer, perMessageDeflate: true, maxPayload: MAX_PAYLOAD })
    : new WebSocketServer({ host: HOST, port: p, perMessageDeflate: true, maxPayload: MAX_PAYLOAD });
  if (httpsServer) {
    httpsServer.listen(p, HOST, () => wss.emit('listening'));
    httpsServer.on('error', (e) => failed(e.message));
  }
  wss.on('connection', (ws, req) => {
    if (req.url === '/sub') {
      subscribers.add(ws);
      ws.on('close', () => subscribers.delete(ws));
    } else if (req.url === '/pub') {
      ws.on('message', (data, isBinary) => {
        for (const s of subscribers) s.send(data, { binary: isBinary });
      });
    } else {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    }
    ws.on('error', () => {});
  });
  wss.on('listening', () => ready(p, `${detail}${TLS ? ' tls' : ''}`.trim()));
  wss.on('error', (e) => failed(e.message));
}
