// ws 8 with bufferutil and utf-8-validate (both resolvable by ws: see the startup line).
// With --tls it serves wss:// from an https.Server (ws-api.mjs).
import { createRequire } from 'node:module';
import { WebSocketServer } from 'ws';
import { loads } from './common.mjs';
import { serveWsApi } from './ws-api.mjs';

const wsRequire = createRequire(createRequire(import.meta.url).resolve('ws'));
serveWsApi(WebSocketServer, `bufferutil=${loads(wsRequire, 'bufferutil')} utf-8-validate=${loads(wsRequire, 'utf-8-validate')}`);
