// ws-compat's echo server (ESM) with a real ws client.
import { WebSocketServer } from '@uws/ws-compat';
import WebSocket from 'ws';

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' }, () => {
  const ws = new WebSocket(`ws://127.0.0.1:${wss.address().port}/`);
  ws.on('open', () => ws.send('from ws'));
  ws.on('message', (data) => {
    console.log(`ws-compat esm echo ${data}`);
    ws.close();
    wss.close();
  });
});
wss.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
