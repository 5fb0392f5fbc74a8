import { us_socket_local_port } from '@uws/native';
import { createChatApp } from '../src/chat-app.mjs';

/**
 * Starts a chat server on a free loopback port.
 * @param {Parameters<typeof createChatApp>[0]} [options]
 */
export async function startChat(options) {
  const app = createChatApp(options);
  const token = await new Promise((resolve) => app.listen('127.0.0.1', 0, resolve));
  if (!token) throw new Error('the chat could not listen on 127.0.0.1');
  return { app, port: us_socket_local_port(token) };
}
