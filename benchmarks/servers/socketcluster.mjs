// SocketCluster with its default engine, 'ws' (socketcluster-server's own ws dependency).
import { createRequire } from 'node:module';
import { loads } from './common.mjs';
import { serveSocketCluster } from './socketcluster-server.mjs';

const require = createRequire(import.meta.url);
const wsRequire = createRequire(createRequire(require.resolve('socketcluster-server')).resolve('ws'));
serveSocketCluster('ws', `wsEngine=ws@${wsRequire('./package.json').version} bufferutil=${loads(wsRequire, 'bufferutil')}`);
