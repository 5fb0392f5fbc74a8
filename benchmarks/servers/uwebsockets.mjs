// uWebSockets.js v20 (the npm package uws-pack carries its prebuilt binaries), configured as
// close to app.mjs as its API allows: same routes, limits and compressor.
import * as uWS from 'uws-pack';
import { HOST, MAX_BACKPRESSURE, MAX_PAYLOAD, TLS, TLS_FILES, TOPIC, failed, port, ready } from './common.mjs';

const p = port();
const common = {
  compression: uWS.SHARED_COMPRESSOR,
  maxPayloadLength: MAX_PAYLOAD,
  maxBackpressure: MAX_BACKPRESSURE,
};
const app = (TLS ? uWS.SSLApp({ key_file_name: TLS_FILES.key, cert_file_name: TLS_FILES.cert }) : uWS.App())
  .ws('/sub', { ...common, open: (ws) => ws.subscribe(TOPIC) })
  .ws('/pub', { ...common, message: (ws, message, isBinary) => app.publish(TOPIC, message, isBinary, true) })
  .ws('/*', { ...common, message: (ws, message, isBinary) => ws.send(message, isBinary, true) });
app.listen(HOST, p, (token) => (token ? ready(p) : failed(`uWebSockets.js on ${p}`)));
