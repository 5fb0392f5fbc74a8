// SocketCluster on our engine: wsEngine is the @uws/ws-compat module (the object form).
import { createRequire } from 'node:module';
import { serveSocketCluster } from './socketcluster-server.mjs';

serveSocketCluster(createRequire(import.meta.url)('@uws/ws-compat'), 'wsEngine=@uws/ws-compat');
