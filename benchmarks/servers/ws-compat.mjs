// @uws/ws-compat: the same server code as ws.mjs with the import swapped, which is the claim
// of that package.
import { WebSocketServer } from '@uws/ws-compat';
import { serveWsApi } from './ws-api.mjs';

serveWsApi(WebSocketServer, 'ws-compat');
