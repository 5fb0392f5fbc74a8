// The App's echo with a real ws client. Prints the transport 'auto' chose.
import { App, epollAvailable, us_socket_local_port } from '@uws/native';
import WebSocket from 'ws';

const app = App().ws('/*', { message: (ws, message, isBinary) => ws.send(message, isBinary) });
app.listen('127.0.0.1', 0, (token) => {
  const ws = new WebSocket(`ws://127.0.0.1:${us_socket_local_port(token)}/`);
  const got = [];
  ws.on('open', () => { ws.send('text'); ws.send(Buffer.from([0, 255])); });
  ws.on('message', (data, isBinary) => {
    got.push(isBinary ? `binary:${[...data]}` : `text:${data}`);
    if (got.length === 2) {
      console.log(`app echo ${got.join(' ')} epoll=${epollAvailable()}`);
      ws.close();
      app.close();
    }
  });
});
