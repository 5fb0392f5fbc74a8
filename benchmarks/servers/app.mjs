// Our App (@uws/native) as an echo / fan-out server, on the transport named by the caller.
// Echo on every path (compressed when permessage-deflate was negotiated), "/sub" subscribes to
// the topic, a message on "/pub" is published to it.
//
// Options before the port, for the scale-out rows (fan-out with a broker attached):
//   --broker thread   a ThreadBroker, with one more worker thread on its channel (an App there
//                     with no subscribers: it receives every publish and has nobody to send it to)
//   --broker redis    a RedisBroker (@uws/redis) on a redis-server this script starts on a free
//                     loopback port and stops when it exits
//   --wildcards       App({ wildcardTopics: true }) with exact topics only (the cost of having it on)
//   --native-entry F  import App from the file F, another build of @uws/native (A/B of two builds)
import { SHARED_COMPRESSOR } from '@uws/native';
import { HOST, MAX_BACKPRESSURE, MAX_PAYLOAD, TLS, TLS_FILES, TOPIC, failed, port, ready } from './common.mjs';

const argValue = (name) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const otherBuild = argValue('--native-entry');
const native = otherBuild ? await import(otherBuild) : await import('@uws/native');

async function brokerFor(kind) {
  if (kind === undefined) return { broker: undefined, detail: '' };
  if (kind === 'thread') {
    const { startThreadPeer } = await import('./thread-peer.mjs');
    await startThreadPeer();
    return { broker: new native.ThreadBroker({ channel: 'bench' }), detail: ' broker=thread' };
  }
  if (kind === 'redis') {
    const { startRedisForBench } = await import('./redis-for-bench.mjs');
    return startRedisForBench();
  }
  failed(`unknown broker ${kind}`);
}

export async function serve(transport) {
  const p = port();
  const common = {
    compression: SHARED_COMPRESSOR,
    maxPayloadLength: MAX_PAYLOAD,
    maxBackpressure: MAX_BACKPRESSURE,
  };
  const tls = TLS ? { key_file_name: TLS_FILES.key, cert_file_name: TLS_FILES.cert } : undefined;
  const wildcards = process.argv.includes('--wildcards');
  const { broker, detail } = await brokerFor(argValue('--broker'));
  const app = native
    .App({ transport, tls, ...(wildcards ? { wildcardTopics: true } : {}), ...(broker ? { broker } : {}) })
    .ws('/sub', { ...common, open: (ws) => ws.subscribe(TOPIC) })
    .ws('/pub', { ...common, message: (ws, message, isBinary) => app.publish(TOPIC, message, isBinary, true) })
    .ws('/*', { ...common, message: (ws, message, isBinary) => ws.send(message, isBinary, true) });
  const extra = `${detail}${wildcards ? ' wildcards' : ''}${otherBuild ? ' (other build)' : ''}`;
  app.listen(HOST, p, (token) => (token ? ready(p, `transport=${transport}${TLS ? ' tls' : ''}${extra}`) : failed(`App ${transport} on ${p}`)));
}
