import { createChatServer } from './chat-server.mjs';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3000);

const chat = createChatServer();
const actual = await chat.listen(port, host);
console.log(`uws demo: Socket.IO chat on http://${host}:${actual}/  (Socket.IO at /socket.io/, native engine)`);
console.log('Open the page in two tabs, join the same room and type. Ctrl+C stops the server.');
process.on('SIGINT', () => {
  chat.close();
  process.exit(0);
});
