// @uws/ws-compat: the same server code as ws.mjs with the import swapped, which is the claim
// of that package. `--entry <built index.js>` loads another build of it instead (a change
// against its parent, side by side in one run).
import { serveWsApi } from './ws-api.mjs';

const at = process.argv.indexOf('--entry');
const { WebSocketServer } = at > 0 ? await import(process.argv[at + 1]) : await import('@uws/ws-compat');
serveWsApi(WebSocketServer, at > 0 ? 'ws-compat, other build' : 'ws-compat');
