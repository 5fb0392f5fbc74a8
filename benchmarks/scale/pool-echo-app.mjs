// The App of every worker in scale/workers.mjs: echo on every path (the echo scenario's server),
// "/sub" subscribes to the topic, a message on "/pub" is published to it (across the workers).
import { App } from '@uws/native';

export default function makeApp() {
  const app = App({ transport: 'epoll' })
    .ws('/sub', { open: (ws) => ws.subscribe('bench'), maxBackpressure: 256 * 1024 * 1024 })
    .ws('/pub', { message: (_ws, message, isBinary) => app.publish('bench', message, isBinary) })
    .ws('/*', { message: (ws, message, isBinary) => ws.send(message, isBinary), maxBackpressure: 256 * 1024 * 1024 });
  return app;
}
