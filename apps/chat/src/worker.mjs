/**
 * The App of one worker thread of `--workers N` (the module given to `startWorkerPool`): a chat
 * on the broker the main thread chose (the pool's ThreadBroker channel, or Redis).
 */
import { makeBroker } from './brokers.mjs';
import { createChatApp } from './chat-app.mjs';

/** @param {{ workerData: { transport: 'auto' | 'epoll' | 'node', redis?: string, channel: string, chat?: import('./chat-app.mjs').ChatOptions } }} context */
export default async function chatWorker({ workerData }) {
  const broker = await makeBroker({ redis: workerData.redis, channel: workerData.redis === undefined ? workerData.channel : undefined });
  return createChatApp({ ...workerData.chat, transport: workerData.transport, broker });
}
