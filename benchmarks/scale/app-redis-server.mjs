// One of the cross-process servers: our App on the epoll transport with a RedisBroker.
// "/sub" subscribes to the topic; a message on "/pub" is published to it. argv: redisUrl port.
import { App } from '@uws/native';
import { RedisBroker } from '@uws/redis';

const [url, port] = process.argv.slice(2);
const broker = new RedisBroker({ url });
broker.on('error', (e) => console.error(`redis broker: ${e.message}`));
await broker.ready();
const app = App({ broker })
  .ws('/sub', { open: (ws) => ws.subscribe('bench'), maxBackpressure: 64 * 1024 * 1024 })
  .ws('/pub', { message: (_ws, message, isBinary) => app.publish('bench', message, isBinary) });
app.listen('127.0.0.1', Number(port), (t) => console.log(t ? `listening ${port}` : 'failed'));
