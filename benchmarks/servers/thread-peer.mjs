// A worker thread with an App on the "bench" ThreadBroker channel and no subscribers: the peer
// that a thread-broker fan-out row pays for (it receives every publish). Unref'd: it never keeps
// the benchmark server alive.
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

export async function startThreadPeer() {
  const worker = new Worker(new URL(import.meta.url));
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  worker.unref();
  return worker;
}

if (!isMainThread) {
  const { App, ThreadBroker } = await import('@uws/native');
  App({ transport: 'epoll', broker: new ThreadBroker({ channel: 'bench' }) });
  // The channel does not keep a thread alive: this does, until the process exits.
  setInterval(() => {}, 1 << 30);
  parentPort.postMessage('ready');
}
