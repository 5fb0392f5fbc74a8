import { startWorkerPool, us_socket_local_port } from '@uws/native';
import { makeBroker } from './brokers.mjs';
import { createChatApp } from './chat-app.mjs';
import { readSettings } from './settings.mjs';

let settings;
try {
  settings = readSettings(process.argv.slice(2), process.env);
} catch (error) {
  console.error(`uws chat: ${/** @type {Error} */ (error).message}`);
  process.exit(2);
}
const { host, port, transport, redis, workers } = settings;
// Presence and history timings, as JSON of ChatOptions (the tests shorten them this way).
let chat = {};
try {
  chat = process.env.CHAT_OPTIONS ? JSON.parse(process.env.CHAT_OPTIONS) : {};
} catch {
  console.error('uws chat: CHAT_OPTIONS is not JSON (e.g. {"heartbeatMs":1000})');
  process.exit(2);
}
const shared = [workers > 1 ? `${workers} worker threads` : '', redis ? `rooms shared on ${redis}` : ''].filter(Boolean).join(', ');

/** @type {() => Promise<void> | void} */
let stop;
if (workers > 1) {
  // Each thread makes its own broker: Redis, or a ThreadBroker on this pool's channel.
  const pool = await startWorkerPool(new URL('./worker.mjs', import.meta.url), {
    port,
    host,
    workers,
    broker: false,
    workerData: { transport, redis, channel: `uws-chat:${process.pid}`, chat },
  }).catch((error) => {
    console.error(`uws chat: could not start ${workers} workers on ${host}:${port}: ${error.message}`);
    process.exit(1);
  });
  let closing = false;
  pool.on('exit', (index, code) => closing || console.error(`uws chat: worker ${index} ended (${code}); ${pool.size} left`));
  listening(pool.port);
  stop = () => {
    closing = true;
    return pool.close();
  };
} else {
  const app = createChatApp({ ...chat, transport, broker: await makeBroker({ redis }) });
  app.listen(host, port, (token) => {
    if (!token) {
      console.error(`uws chat: could not listen on ${host}:${port}`);
      process.exit(1);
    }
    listening(us_socket_local_port(token));
  });
  // Graceful: every socket gets what is queued for it, then 1001 "server shutting down".
  stop = () => app.shutdown({ timeout: 1.5 });
}

/** @param {number} actual */
function listening(actual) {
  console.log(`uws chat on http://${host}:${actual}/ (WebSocket ws://${host}:${actual}/chat, transport: ${transport}${shared ? `, ${shared}` : ''})`);
  console.log('Open it in two browser tabs. Ctrl+C stops it.');
}

// Shutting down sends every socket its queued data and a 1001 close, runs every close handler (the
// others hear those users leave), then lets the broker go; the process ends when nothing is
// left, or after 2 s at most.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    setTimeout(() => process.exit(0), 2000).unref();
    Promise.resolve(stop()).finally(() => process.exitCode ??= 0);
  });
}
