// ws-compat's echo server (CommonJS): require('@uws/ws-compat') is shaped like require('ws').
const WebSocketCompat = require('@uws/ws-compat');
const WebSocket = require('ws');

const wss = new WebSocketCompat.Server({ port: 0, host: '127.0.0.1' }, () => {
  const ws = new WebSocket(`ws://127.0.0.1:${wss.address().port}/`);
  ws.on('open', () => ws.send('from ws'));
  ws.on('message', (data) => {
    console.log(`ws-compat cjs echo ${data} ${typeof WebSocketCompat === 'function' && WebSocketCompat.OPEN === 1}`);
    ws.close();
    wss.close();
  });
});
wss.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
