// ws 8 with bufferutil and utf-8-validate (both resolvable by ws: see the startup line).
import { createRequire } from 'node:module';
import { WebSocketServer } from 'ws';
import { serveWsApi } from './ws-api.mjs';

const wsRequire = createRequire(createRequire(import.meta.url).resolve('ws'));
const has = (m) => {
  try {
    wsRequire(m);
    return 'yes';
  } catch {
    return 'no';
  }
};
serveWsApi(WebSocketServer, `bufferutil=${has('bufferutil')} utf-8-validate=${has('utf-8-validate')}`);
