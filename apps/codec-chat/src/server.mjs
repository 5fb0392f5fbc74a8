import { createChatServer } from './chat-server.mjs';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3000);

const server = createChatServer();
server.listen(port, host, () => {
  const { port: actual } = server.address();
  console.log(`uws demo: chat room on http://${host}:${actual}/  (WebSocket at ws://${host}:${actual}/chat)`);
  console.log('Open the page in two tabs and type. Ctrl+C stops the server.');
});
process.on('SIGINT', () => server.close(() => process.exit(0)));
