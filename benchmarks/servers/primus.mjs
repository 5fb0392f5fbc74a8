// Primus with its default transformer, 'websockets' (the ws package, as Primus requires it).
import { createRequire } from 'node:module';
import { loads } from './common.mjs';
import { servePrimus } from './primus-server.mjs';

const require = createRequire(import.meta.url);
const wsRequire = createRequire(createRequire(require.resolve('primus')).resolve('ws'));
servePrimus('websockets', `transformer=websockets ws@${wsRequire('./package.json').version} bufferutil=${loads(wsRequire, 'bufferutil')}`);
