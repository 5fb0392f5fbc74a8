// An echo / fan-out server on the ws 8 API, for ws itself and for anything that implements the
// same API (@uws/ws-compat): echo on every path, "/sub" sockets kept in a Set, a message on
// "/pub" sent to each of them, the way ws's README shows. permessage-deflate on with the
// implementation's defaults (ws: threshold 1 KiB).
import { HOST, MAX_PAYLOAD, failed, port, ready } from './common.mjs';

/** Starts the server with the given WebSocketServer class; `detail` goes on the "listening" line. */
export function serveWsApi(WebSocketServer, detail = '') {
  const p = port();
  const subscribers = new Set();
  const wss = new WebSocketServer({ host: HOST, port: p, perMessageDeflate: true, maxPayload: MAX_PAYLOAD });
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
  wss.on('listening', () => ready(p, detail));
  wss.on('error', (e) => failed(e.message));
}
