// The App's echo with @uws/native's own Client (for a project that installed only @uws/native).
import { App, connect, epollAvailable, us_socket_local_port } from '@uws/native';

const app = App().ws('/*', { message: (ws, message, isBinary) => ws.send(message, isBinary) });
app.listen('127.0.0.1', 0, (token) => {
  const client = connect(`ws://127.0.0.1:${us_socket_local_port(token)}/`, { transport: 'node' });
  client.on('open', () => client.send('round trip'));
  client.on('message', (data) => {
    console.log(`app echo ${data} epoll=${epollAvailable()}`);
    client.close();
    app.close();
  });
});
