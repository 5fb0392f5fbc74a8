// Our App (@uws/native) as an echo / fan-out server, on the transport named by the caller.
// Echo on every path (compressed when permessage-deflate was negotiated), "/sub" subscribes to
// the topic, a message on "/pub" is published to it.
import { App, SHARED_COMPRESSOR } from '@uws/native';
import { HOST, MAX_BACKPRESSURE, MAX_PAYLOAD, TLS, TLS_FILES, TOPIC, failed, port, ready } from './common.mjs';

export function serve(transport) {
  const p = port();
  const common = {
    compression: SHARED_COMPRESSOR,
    maxPayloadLength: MAX_PAYLOAD,
    maxBackpressure: MAX_BACKPRESSURE,
  };
  const tls = TLS ? { key_file_name: TLS_FILES.key, cert_file_name: TLS_FILES.cert } : undefined;
  const app = App({ transport, tls })
    .ws('/sub', { ...common, open: (ws) => ws.subscribe(TOPIC) })
    .ws('/pub', { ...common, message: (ws, message, isBinary) => app.publish(TOPIC, message, isBinary, true) })
    .ws('/*', { ...common, message: (ws, message, isBinary) => ws.send(message, isBinary, true) });
  app.listen(HOST, p, (token) => (token ? ready(p, `transport=${transport}${TLS ? ' tls' : ''}`) : failed(`App ${transport} on ${p}`)));
}
