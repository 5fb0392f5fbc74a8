import { us_socket_local_port } from '@uws/native';
import { createEchoApp } from './echo-app.mjs';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3000);
const transport = process.env.UWS_TRANSPORT ?? 'auto';

const app = createEchoApp({ transport });
app.listen(host, port, (token) => {
  if (!token) {
    console.error(`uws echo: could not listen on ${host}:${port}`);
    process.exit(1);
  }
  const actual = us_socket_local_port(token);
  console.log(`uws echo server on ws://${host}:${actual}/ (transport: ${transport}); open http://${host}:${actual}/ to try it.`);
  console.log('Ctrl+C stops it.');
});
// SIGTERM / SIGINT: every client gets what is queued for it and a 1001 close, then the process ends.
app.closeOnSignal({ onShutdown: (signal) => console.log(`uws echo: closed gracefully on ${signal}`) });
