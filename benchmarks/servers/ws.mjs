// ws 8 with bufferutil and utf-8-validate (both resolvable by ws: see the startup line), in
// the way its README shows: echo on every path, "/sub" sockets kept in a Set, a message on
// "/pub" sent to each of them. permessage-deflate on with ws's defaults (threshold 1 KiB).
import https from 'node:https';
import { createRequire } from 'node:module';
import { WebSocketServer } from 'ws';
import { HOST, MAX_PAYLOAD, TLS, failed, port, ready, tlsPem } from './common.mjs';

const p = port();
const wsRequire = createRequire(createRequire(import.meta.url).resolve('ws'));
const has = (m) => {
  try {
    wsRequire(m);
    return 'yes';
  } catch {
    return 'no';
  }
};
const subscribers = new Set();
// With --tls: ws on an https.Server, the way its README shows wss.
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
wss.on('listening', () => ready(p, `bufferutil=${has('bufferutil')} utf-8-validate=${has('utf-8-validate')}${TLS ? ' tls' : ''}`));
wss.on('error', (e) => failed(e.message));
