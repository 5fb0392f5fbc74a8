#!/usr/bin/env node
// How a publish crosses to the other threads, three ways, same run: batches of K publishes
// (16 B each, the fan-out scenario's size) from the main thread to T receiving threads, until
// every thread has read N messages. Prints messages/s per way (messages sent, not receipts).
//
//   broadcast  one BroadcastChannel post per batch, a Uint8Array per message (ThreadBroker's
//              first shape): serialized once, each thread deserializes its own copy
//   ports      one MessagePort per thread, a post per thread per batch: serialized per thread
//   packed     the batch's payloads copied into one ArrayBuffer posted on a BroadcastChannel:
//              one buffer to serialize, each thread gets one copy of it (what ThreadBroker does now)
//   shared     the batch's payloads copied once into a SharedArrayBuffer posted on a
//              BroadcastChannel: threads read the same memory (no copy per thread)
//
//   node scale/thread-channel.mjs [--threads 2] [--messages 200000] [--batch 16] [--rounds 3]
import { BroadcastChannel, MessageChannel, Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadavg } from 'node:os';

if (!isMainThread) {
  const { way, total, channel } = workerData;
  let got = 0;
  let checksum = 0;
  const onBatch = (wire) => {
    if (way === 'shared' || way === 'packed') {
      const [sab, lengths] = wire;
      const bytes = new Uint8Array(sab);
      let at = 0;
      for (const n of lengths) {
        checksum = (checksum + bytes[at]) | 0; // touch the message as a delivery would
        at += n;
        got++;
      }
    } else {
      for (let i = 0; i < wire.length; i += 3) {
        checksum = (checksum + wire[i + 1][0]) | 0;
        got++;
      }
    }
    if (got >= total) {
      parentPort.postMessage({ done: true, checksum });
      source.close?.();
    }
  };
  const source = way === 'ports' ? workerData.port : new BroadcastChannel(channel);
  source.onmessage = (event) => onBatch(event.data);
  parentPort.postMessage({ ready: true });
} else {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? fallback : Number(process.argv[i + 1]);
  };
  const THREADS = arg('threads', 2);
  const N = arg('messages', 200_000);
  const K = arg('batch', 16);
  const ROUNDS = arg('rounds', 3);
  const payload = new Uint8Array(16).fill(7);

  async function run(way) {
    const channel = `thread-channel-${way}-${Math.random()}`;
    const ports = [];
    const workers = [];
    for (let t = 0; t < THREADS; t++) {
      const data = { way, total: N, channel };
      let transfer = [];
      if (way === 'ports') {
        const { port1, port2 } = new MessageChannel();
        ports.push(port1);
        data.port = port2;
        transfer = [port2];
      }
      workers.push(new Worker(new URL(import.meta.url), { workerData: data, transferList: transfer }));
    }
    const messages = workers.map((w) => new Promise((resolve) => w.on('message', (m) => m.done && resolve())));
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
    const bc = way === 'ports' ? undefined : new BroadcastChannel(channel);
    const t0 = process.hrtime.bigint();
    for (let sent = 0; sent < N; sent += K) {
      if (way === 'shared' || way === 'packed') {
        const sab = way === 'shared' ? new SharedArrayBuffer(K * payload.length) : new ArrayBuffer(K * payload.length);
        const bytes = new Uint8Array(sab);
        const lengths = [];
        for (let i = 0; i < K; i++) {
          bytes.set(payload, i * payload.length);
          lengths.push(payload.length);
        }
        bc.postMessage([sab, lengths]);
      } else {
        const wire = [];
        for (let i = 0; i < K; i++) wire.push('bench', Uint8Array.prototype.slice.call(payload), 1);
        if (way === 'broadcast') bc.postMessage(wire);
        else for (const port of ports) port.postMessage(wire);
      }
      // Let the receivers run now and then, as a server's loop would between batches.
      if ((sent / K) % 64 === 63) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(messages);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    bc?.close();
    for (const p of ports) p.close();
    await Promise.all(workers.map((w) => w.terminate()));
    return N / secs;
  }

  console.log(`${THREADS} receiving threads, ${N} messages of 16 B in batches of ${K}, ${ROUNDS} rounds; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const ways = ['broadcast', 'ports', 'packed', 'shared'];
  const got = Object.fromEntries(ways.map((w) => [w, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < ways.length; i++) {
      const way = ways[(i + r) % ways.length];
      got[way].push(await run(way));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const base = median(got.broadcast);
  for (const w of ways) console.log(`${w.padEnd(9)} ${got[w].map((x) => `${(x / 1000).toFixed(0)} k/s`).join(', ')}  median ${(median(got[w]) / base).toFixed(2)}× broadcast`);
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}
