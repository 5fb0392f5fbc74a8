// The servers under test: how to start each one, and which scenario kinds it takes part in.
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const ALL = ['echo', 'connect', 'idle', 'large', 'deflate', 'fanout'];
/** Scenario kinds over TLS: the same servers started with --tls. */
const TLS_KINDS = ['tls-echo', 'tls-connect', 'tls-idle'];

export const SERVERS = {
  'app-epoll': { label: 'App (epoll)', cmd: [process.execPath, here('servers/app-epoll.mjs')], kinds: ALL },
  'app-node': { label: 'App (node:net)', cmd: [process.execPath, here('servers/app-node.mjs')], kinds: ALL },
  uwebsockets: { label: 'uWebSockets.js 20', cmd: [process.execPath, here('servers/uwebsockets.mjs')], kinds: ALL },
  ws: { label: 'ws 8', cmd: [process.execPath, here('servers/ws.mjs')], kinds: ALL },
  // no permessage-deflate in the C reference
  limit: { label: 'C limit', cmd: [here('loadgen/bin/limit-echo')], kinds: ALL.filter((k) => k !== 'deflate') },
  'app-epoll-tls': { label: 'SSLApp (epoll)', cmd: [process.execPath, here('servers/app-epoll.mjs'), '--tls'], kinds: TLS_KINDS },
  'app-node-tls': { label: 'SSLApp (node:tls)', cmd: [process.execPath, here('servers/app-node.mjs'), '--tls'], kinds: TLS_KINDS },
  'uwebsockets-tls': { label: 'uWebSockets.js 20 SSLApp', cmd: [process.execPath, here('servers/uwebsockets.mjs'), '--tls'], kinds: TLS_KINDS },
  'ws-tls': { label: 'ws 8 on https', cmd: [process.execPath, here('servers/ws.mjs'), '--tls'], kinds: TLS_KINDS },
};

/** One colour per server, the same in every chart. */
export const COLORS = {
  'app-epoll': '#1f77b4',
  'app-node': '#6baed6',
  uwebsockets: '#ff7f0e',
  ws: '#2ca02c',
  limit: '#7f7f7f',
  'app-epoll-tls': '#1f77b4',
  'app-node-tls': '#6baed6',
  'uwebsockets-tls': '#ff7f0e',
  'ws-tls': '#2ca02c',
};
