// The soak test's server: an App with its defaults (epoll where available), in a process of its
// own so run.mjs can read its RSS and descriptors from /proc. Prints "port <n>" once listening.
//
// Routes (text messages; short prefixes keep the parsing out of the measurement):
//   /r/<room>    a subscriber: subscribed to its room on open. Messages:
//                  "e<seq>"  echoed as is
//                  "f"       a fence: answered "f<latest>", the last sequence number published
//                            to its room. Everything published to the room before was queued on
//                            this socket before that answer, so the client can check it has it.
//   /pub/<room>  a publisher: "p<room>:<seq>" is published to the room as is.
// On stdin "stats": one JSON line { opened, closed, closeCodes, published }. Exits on stdin end.
import { App } from '@uws/native';

const latest = new Map();
let opened = 0;
let closed = 0;
let published = 0;
const closeCodes = {};

const app = App().ws('/*', {
  upgrade: (res, req, context) => {
    const url = req.getUrl();
    const [, role, room] = url.split('/');
    res.upgrade(
      { role, room },
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  },
  open: (ws) => {
    opened++;
    const { role, room } = ws.getUserData();
    if (role === 'r') ws.subscribe(`room-${room}`);
  },
  message: (ws, message) => {
    const text = Buffer.from(message).toString();
    const kind = text[0];
    if (kind === 'e') ws.send(text);
    else if (kind === 'f') ws.send(`f${latest.get(ws.getUserData().room) ?? -1}`);
    else if (kind === 'p') {
      const colon = text.indexOf(':');
      const room = text.slice(1, colon);
      latest.set(room, Number(text.slice(colon + 1)));
      published++;
      app.publish(`room-${room}`, text);
    }
  },
  close: (_ws, code) => {
    closed++;
    closeCodes[code] = (closeCodes[code] ?? 0) + 1;
  },
});

app.listen('127.0.0.1', 0, (token) => {
  if (!token) {
    console.error('soak server: listen failed');
    process.exit(1);
  }
  process.stdout.write(`port ${token.port}\n`);
});

process.stdin.on('data', (chunk) => {
  if (chunk.toString().includes('stats')) process.stdout.write(`${JSON.stringify({ opened, closed, closeCodes, published })}\n`);
});
process.stdin.on('end', () => {
  app.close();
  process.exit(0);
});
