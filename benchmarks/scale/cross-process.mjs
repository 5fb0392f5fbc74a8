#!/usr/bin/env node
// Cross-process fan-out: one redis-server, PROCS server processes on it, SUBS subscribers on each,
// one publisher on the first keeping INFLIGHT messages in flight (a message is done when every
// subscriber on every process has it). Deliveries/s of our App + RedisBroker against Socket.IO 4
// + @socket.io/redis-adapter on the same topology, alternating, ROUNDS rounds.
//
//   node scale/cross-process.mjs [--procs 3] [--subs 100] [--inflight 16] [--seconds 4] [--rounds 2]
//
// The clients are raw TCP sockets in this (Node) process that read frames without a WebSocket
// library (the harness's C load generator has no Socket.IO fan-out mode yet): this process is a
// ceiling for both servers, so the ratio is a lower bound for the faster one. The same code
// drives both: only the handshake path and the message wrapping (`42["msg",...]`) differ.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { RedisServer } from '@uws/test-services/redis-server';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const PROCS = arg('procs', 3);
const SUBS = arg('subs', 100);
const INFLIGHT = arg('inflight', 16);
const SECONDS = arg('seconds', 4);
const ROUNDS = arg('rounds', 2);
const here = (f) => fileURLToPath(new URL(f, import.meta.url));

const SERVERS = {
  'app-redis': { label: 'App (epoll) + RedisBroker', file: here('app-redis-server.mjs'), sub: '/sub', pub: '/pub', socketio: false },
  'socketio-redis': { label: 'Socket.IO 4 + @socket.io/redis-adapter', file: here('socketio-redis-server.mjs'), sub: '/socket.io/?EIO=4&transport=websocket&role=sub', pub: '/socket.io/?EIO=4&transport=websocket', socketio: true },
};

async function freePort() {
  const s = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

function startServer(file, url, port) {
  const child = spawn(process.execPath, [file, url, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes(`listening ${port}`)) resolve(child);
      if (out.includes('failed')) reject(new Error(`${file} failed to listen`));
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
}

/** A minimal WebSocket client on a raw socket: masked text frames out, unmasked frames in. */
class RawClient {
  /** `onText(bytes, start, end, client)` for every text frame. */
  constructor(port, path, onText) {
    this.onText = onText;
    this.buf = Buffer.alloc(0);
    this.open = false;
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.opened = new Promise((resolve, reject) => {
      this.resolveOpen = resolve;
      this.socket.once('error', reject);
    });
    this.socket.on('connect', () => {
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    this.socket.on('data', (d) => this.data(d));
  }
  data(d) {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    if (!this.open) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.open = true;
      this.buf = this.buf.subarray(end + 4);
      this.resolveOpen();
    }
    let at = 0;
    const b = this.buf;
    while (b.length - at >= 2) {
      let len = b[at + 1] & 0x7f;
      let head = 2;
      if (len === 126) {
        if (b.length - at < 4) break;
        len = b.readUInt16BE(at + 2);
        head = 4;
      } else if (len === 127) {
        if (b.length - at < 10) break;
        len = Number(b.readBigUInt64BE(at + 2));
        head = 10;
      }
      if (b.length - at < head + len) break;
      if ((b[at] & 0x0f) === 1) this.onText(b, at + head, at + head + len, this);
      at += head + len;
    }
    this.buf = at === b.length ? Buffer.alloc(0) : b.subarray(at);
  }
  send(text) {
    const payload = Buffer.from(text);
    const mask = randomBytes(4);
    const head = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
    this.socket.write(Buffer.concat([head, mask, payload]));
  }
}

async function measure(id) {
  const server = SERVERS[id];
  const redis = await RedisServer.start({ exitOnSignal: true });
  const ports = await Promise.all(Array.from({ length: PROCS }, freePort));
  const children = await Promise.all(ports.map((p) => startServer(server.file, redis.url, p)));
  const total = PROCS * SUBS;
  const counts = new Map();
  let deliveries = 0;
  let measuring = false;
  let done = 0;
  let seq = 0;
  let publisher;
  const publish = () => {
    const s = seq++;
    counts.set(s, 0);
    publisher.send(server.socketio ? `42["pub","${s}"]` : String(s));
  };
  // The sequence number: the digits of the frame (App: the payload; Socket.IO: 42["msg","<n>"]).
  const digits = (b, start, end) => {
    let n = 0;
    for (let i = start; i < end; i++) {
      const c = b[i];
      if (c >= 48 && c <= 57) n = n * 10 + (c - 48);
    }
    return n;
  };
  const onSubText = (b, start, end, client) => {
    let s;
    if (server.socketio) {
      if (end - start === 1 && b[start] === 0x32) return client.send('3'); // Engine.IO ping "2"
      if (b[start] === 0x30) return client.send('40'); // open "0{...}": connect to the main namespace
      if (b[start] !== 0x34 || b[start + 1] !== 0x32) return; // not an event "42[...]"
      s = digits(b, start + 2, end);
    } else s = digits(b, start, end);
    if (measuring) deliveries++;
    const n = counts.get(s) + 1;
    if (n === total) {
      counts.delete(s);
      done++;
      publish();
    } else counts.set(s, n);
  };
  const subscribers = [];
  for (const port of ports) for (let i = 0; i < SUBS; i++) subscribers.push(new RawClient(port, server.sub, onSubText));
  await Promise.all(subscribers.map((c) => c.opened));
  publisher = new RawClient(ports[0], server.pub, (b, start, end, c) => {
    if (b[start] === 0x30) c.send('40');
    else if (end - start === 1 && b[start] === 0x32) c.send('3');
  });
  await publisher.opened;
  await new Promise((r) => setTimeout(r, 1000)); // joins and Redis subscriptions settle
  for (let i = 0; i < INFLIGHT; i++) publish();
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  measuring = true;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  measuring = false;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const driverCpu = (cpu.user + cpu.system) / 1e6 / secs;
  for (const c of [...subscribers, publisher]) c.socket.destroy();
  for (const child of children) child.kill('SIGKILL');
  await redis.kill();
  return { deliveriesPerSecond: deliveries / secs, messagesCompleted: done, driverCpu };
}

console.log(`cross-process fan-out: ${PROCS} processes x ${SUBS} subscribers, 1 publisher, ${INFLIGHT} in flight, ${SECONDS} s x ${ROUNDS} rounds; load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const results = Object.fromEntries(Object.keys(SERVERS).map((id) => [id, []]));
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? Object.keys(SERVERS) : Object.keys(SERVERS).reverse();
  for (const id of order) {
    const m = await measure(id);
    results[id].push(m.deliveriesPerSecond);
    console.log(`round ${r + 1} ${SERVERS[id].label}: ${m.deliveriesPerSecond.toFixed(0)} deliveries/s (driver CPU ${(m.driverCpu * 100).toFixed(0)}% of a core)`);
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const app = median(results['app-redis']);
const sio = median(results['socketio-redis']);
console.log(`median: App ${app.toFixed(0)}/s, Socket.IO ${sio.toFixed(0)}/s, ratio ${(app / sio).toFixed(2)}x; load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
process.exit(0);
