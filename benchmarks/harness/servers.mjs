// The servers under test: how to start each one, which scenario kinds it takes part in, and
// what the load generator needs to speak to it. Optional servers are listed only when what
// they need is installed and works; UNAVAILABLE says why the others are not.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const require = createRequire(import.meta.url);
const ALL = ['echo', 'connect', 'idle', 'large', 'deflate', 'fanout'];
const node = (file, ...args) => [process.execPath, here(`servers/${file}`), ...args];
/** In --quick (the CI smoke run), the servers added for comparison run one scenario each: enough
 * to prove they start and answer correctly, without making CI much longer. */
const QUICK_ONE = ['echo-512-c100-p16'];
/**
 * Socket.IO servers take the echo scenarios (Socket.IO "echo" events), connect (the Engine.IO
 * open and Socket.IO connect exchange), idle and fanout (a broadcast to one room of the
 * subscribers). In --quick, one echo and the room broadcast.
 */
const SOCKETIO = { kinds: ['echo', 'connect', 'idle', 'fanout'], loadgen: ['--proto', 'socketio'], quickScenarios: [...QUICK_ONE, 'fanout-1000'] };
/** Primus servers take echo and idle, driven with Primus's json-parser messages. */
const PRIMUS = { kinds: ['echo', 'idle'], loadgen: ['--proto', 'primus'], quickScenarios: QUICK_ONE };
/** SocketCluster servers take echo and idle, driven with SocketCluster "echo" events. */
const SOCKETCLUSTER = { kinds: ['echo', 'idle'], loadgen: ['--proto', 'socketcluster'], quickScenarios: QUICK_ONE };
/** Scenario kinds over TLS: the same servers started with --tls. */
const TLS_KINDS = ['tls-echo', 'tls-connect', 'tls-idle'];

const BASE = {
  'app-epoll': { label: 'App (epoll)', cmd: node('app-epoll.mjs'), kinds: ALL },
  'app-node': { label: 'App (node:net)', cmd: node('app-node.mjs'), kinds: ALL },
  uwebsockets: { label: 'uWebSockets.js 20', cmd: node('uwebsockets.mjs'), kinds: ALL },
  ws: { label: 'ws 8', cmd: node('ws.mjs'), kinds: ALL },
  socketio: { label: 'Socket.IO 4', cmd: node('socketio.mjs'), ...SOCKETIO },
  primus: { label: 'Primus 8 (websockets)', cmd: node('primus.mjs'), ...PRIMUS },
  socketcluster: { label: 'SocketCluster 20 (ws)', cmd: node('socketcluster.mjs'), ...SOCKETCLUSTER },
  // no permessage-deflate in the C reference
  limit: { label: 'C limit', cmd: [here('loadgen/bin/limit-echo')], kinds: ALL.filter((k) => k !== 'deflate') },
  // Scale-out rows: fan-out with a broker attached, or with wildcard topics on (exact topics only).
  'app-epoll-thread': { label: 'App (epoll) + ThreadBroker', cmd: node('app-epoll.mjs', '--broker', 'thread'), kinds: ['fanout'] },
  'app-epoll-wild': { label: 'App (epoll), wildcards on', cmd: node('app-epoll.mjs', '--wildcards'), kinds: ['fanout'] },
  'app-epoll-tls': { label: 'SSLApp (epoll)', cmd: node('app-epoll.mjs', '--tls'), kinds: TLS_KINDS },
  'app-node-tls': { label: 'SSLApp (node:tls)', cmd: node('app-node.mjs', '--tls'), kinds: TLS_KINDS },
  'uwebsockets-tls': { label: 'uWebSockets.js 20 SSLApp', cmd: node('uwebsockets.mjs', '--tls'), kinds: TLS_KINDS },
  'ws-tls': { label: 'ws 8 on https', cmd: node('ws.mjs', '--tls'), kinds: TLS_KINDS },
};

async function exportsClass(specifier, name) {
  try {
    return typeof (await import(specifier))[name] === 'function';
  } catch {
    return false;
  }
}

function resolves(specifier) {
  try {
    require.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

const wsCompat = await exportsClass('@uws/ws-compat', 'WebSocketServer');
const nativeEngine = await exportsClass('@uws/socketio', 'NativeEngine');
const redisBroker = await exportsClass('@uws/redis', 'RedisBroker');
const { findRedisServer } = await import('@uws/test-services/redis-server');
const uwsEngine = await exportsClass('@uws/socketio', 'UwsEngine');
const uwsPack = await exportsClass('uws-pack', 'App');
const OPTIONAL = {
  'socketio-native': {
    entry: { label: 'Socket.IO 4 on @uws/socketio NativeEngine', cmd: node('socketio-native.mjs'), ...SOCKETIO },
    available: nativeEngine,
    why: '@uws/socketio does not export NativeEngine (build it: pnpm --filter @uws/socketio build)',
  },
  'app-epoll-redis': {
    entry: { label: 'App (epoll) + RedisBroker', cmd: node('app-epoll.mjs', '--broker', 'redis'), kinds: ['fanout'] },
    available: redisBroker && findRedisServer() !== undefined,
    why: redisBroker ? 'redis-server is not installed (apt-get install redis-server)' : '@uws/redis is not built (pnpm --filter @uws/redis build)',
  },
  'ws-compat': {
    entry: { label: '@uws/ws-compat', cmd: node('ws-compat.mjs'), kinds: ALL, quickScenarios: QUICK_ONE },
    available: wsCompat,
    why: '@uws/ws-compat does not export a WebSocketServer yet (build it: pnpm --filter @uws/ws-compat build)',
  },
  'socketio-uws': {
    entry: { label: 'Socket.IO 4 on @uws/ws-compat', cmd: node('socketio-uws.mjs'), ...SOCKETIO },
    available: wsCompat,
    why: '@uws/ws-compat does not export a WebSocketServer yet',
  },
  // The other Socket.IO rows of issue 14, beside 'socketio-native'.
  'socketio-wsengine': {
    entry: { label: 'Socket.IO 4 on @uws/socketio UwsEngine', cmd: node('socketio-wsengine.mjs'), ...SOCKETIO },
    available: uwsEngine,
    why: '@uws/socketio does not export UwsEngine (build it: pnpm --filter @uws/socketio build)',
  },
  'socketio-attachapp': {
    entry: { label: 'Socket.IO 4 attachApp on uWebSockets.js 20', cmd: node('socketio-attachapp.mjs'), ...SOCKETIO },
    available: uwsPack,
    why: 'uws-pack (uWebSockets.js binaries) does not load here',
  },
  'primus-uws': {
    entry: { label: 'Primus 8 on @uws/primus', cmd: node('primus-uws.mjs'), ...PRIMUS },
    available: await exportsClass('@uws/primus', 'UwsTransformer'),
    why: '@uws/primus is not built (pnpm --filter @uws/primus build)',
  },
  'socketcluster-uws': {
    entry: { label: 'SocketCluster 20 on @uws/ws-compat', cmd: node('socketcluster-uws.mjs'), ...SOCKETCLUSTER },
    available: wsCompat,
    why: '@uws/ws-compat does not export a WebSocketServer yet',
  },
  'socketio-eiows': {
    entry: { label: 'Socket.IO 4 on eiows', cmd: node('socketio-eiows.mjs'), ...SOCKETIO },
    available: resolves('eiows'),
    why: 'eiows is not installed: its install step fetches Node.js source code (see README)',
  },
};

export const SERVERS = { ...BASE };
// BENCH_OTHER_NATIVE=<built index.js of another @uws/native>: one more row, "App (epoll), other
// build", to compare two builds side by side in one run (a change against its parent).
if (process.env.BENCH_OTHER_NATIVE) {
  SERVERS['app-epoll-other'] = { label: 'App (epoll), other build', cmd: node('app-epoll.mjs', '--native-entry', process.env.BENCH_OTHER_NATIVE), kinds: ALL };
  SERVERS['app-epoll-tls-other'] = { label: 'SSLApp (epoll), other build', cmd: node('app-epoll.mjs', '--tls', '--native-entry', process.env.BENCH_OTHER_NATIVE), kinds: TLS_KINDS };
}
// BENCH_OTHER_WS_COMPAT=<built index.js of another @uws/ws-compat>: likewise, "@uws/ws-compat,
// other build" (it loads the @uws/native of its own tree).
if (process.env.BENCH_OTHER_WS_COMPAT) {
  SERVERS['ws-compat-other'] = { label: '@uws/ws-compat, other build', cmd: node('ws-compat.mjs', '--entry', process.env.BENCH_OTHER_WS_COMPAT), kinds: ALL };
}
export const UNAVAILABLE = {};
for (const [id, o] of Object.entries(OPTIONAL)) {
  if (o.available) SERVERS[id] = o.entry;
  else UNAVAILABLE[id] = o.why;
}

/** One colour per server, the same in every chart. */
export const COLORS = {
  'app-epoll': '#1f77b4',
  'app-node': '#6baed6',
  uwebsockets: '#ff7f0e',
  ws: '#2ca02c',
  'ws-compat': '#98df8a',
  socketio: '#9467bd',
  'socketio-uws': '#c5b0d5',
  'socketio-native': '#e377c2',
  'socketio-eiows': '#8c564b',
  'socketio-wsengine': '#f7b6d2',
  'socketio-attachapp': '#7b4173',
  primus: '#bcbd22',
  'primus-uws': '#dbdb8d',
  socketcluster: '#17becf',
  'socketcluster-uws': '#9edae5',
  limit: '#7f7f7f',
  'app-epoll-thread': '#aec7e8',
  'app-epoll-wild': '#393b79',
  'app-epoll-redis': '#d62728',
  'app-epoll-tls': '#1f77b4',
  'app-node-tls': '#6baed6',
  'uwebsockets-tls': '#ff7f0e',
  'ws-tls': '#2ca02c',
};
