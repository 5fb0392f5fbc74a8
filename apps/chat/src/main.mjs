import { us_socket_local_port } from '@uws/native';
import { createChatApp } from './chat-app.mjs';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3000);
const transport = process.env.UWS_TRANSPORT ?? 'auto';

const app = createChatApp({ transport });
app.listen(host, port, (token) => {
  if (!token) {
    console.error(`uws chat: could not listen on ${host}:${port}`);
    process.exit(1);
  }
  const actual = us_socket_local_port(token);
  console.log(`uws chat on http://${host}:${actual}/ (WebSocket ws://${host}:${actual}/chat, transport: ${transport})`);
  console.log('Open it in two browser tabs. Ctrl+C stops it.');
});
process.on('SIGINT', () => {
  app.close();
  process.exit(0);
});
