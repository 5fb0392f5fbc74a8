// One soak client process (forked by run.mjs, config as JSON in argv[2]): holds its share of
// the connections with ws, sends echoes and publishes with sequence numbers, checks every reply
// and publication for gaps (lost) and repeats (duplicated), and disconnects/reconnects
// connections at random. Reports its counts to the parent over IPC every second; on "stop" it
// closes every connection gracefully (checking each one's tail with a fence) and reports last.
import WebSocket from 'ws';

const cfg = JSON.parse(process.argv[2]);
const { url, index, connections, rooms, publishers, echoIntervalMs, pubIntervalMs, meanLifeMs, abruptShare, rampMs } = cfg;

const counts = {
  open: 0,
  opened: 0,
  reconnects: 0,
  echoSent: 0,
  echoReceived: 0,
  pubReceived: 0,
  published: 0,
  lost: 0,
  duplicated: 0,
  gracefulCloses: 0,
  abruptCloses: 0,
  unexpectedCloses: 0,
  connectErrors: 0,
  fenceChecks: 0,
  fenceTimeouts: 0,
  /** Why connections failed or were ended unexpectedly: error code (or message) → count. */
  failures: {},
};

function countFailure(error) {
  const key = error.code ?? error.message;
  counts.failures[key] = (counts.failures[key] ?? 0) + 1;
}
let stopping = false;
const sessions = new Set();

/** A subscriber session: one WebSocket life of connection slot `slot`. */
function subscriber(slot) {
  const room = slot % rooms;
  const ws = new WebSocket(`${url}/r/${room}`, { perMessageDeflate: false });
  const s = { ws, nextEcho: 0, expectEcho: 0, lastPub: undefined, closing: false, wasOpen: false, fenced: undefined, timers: [] };
  sessions.add(s);
  ws.on('open', () => {
    s.wasOpen = true;
    counts.open++;
    counts.opened++;
    if (stopping) {
      s.closing = true;
      ws.close(1000);
      return;
    }
    // Echoes at a steady rate with a random phase; a random life, then a reconnect.
    const phase = Math.random() * echoIntervalMs;
    s.timers.push(
      setTimeout(() => {
        s.timers.push(setInterval(() => sendEcho(s), echoIntervalMs));
      }, phase),
    );
    if (meanLifeMs > 0) s.timers.push(setTimeout(() => leave(s, slot), -Math.log(1 - Math.random()) * meanLifeMs));
  });
  ws.on('message', (data) => {
    const text = data.toString();
    if (text[0] === 'e') {
      const seq = Number(text.slice(1));
      if (seq < s.expectEcho) counts.duplicated++;
      else {
        counts.lost += seq - s.expectEcho;
        s.expectEcho = seq + 1;
        counts.echoReceived++;
      }
    } else if (text[0] === 'p') {
      const colon = text.indexOf(':');
      if (Number(text.slice(1, colon)) !== room) counts.lost++; // delivered to the wrong room
      const seq = Number(text.slice(colon + 1));
      if (s.lastPub === undefined) s.lastPub = seq;
      else if (seq <= s.lastPub) counts.duplicated++;
      else {
        counts.lost += seq - s.lastPub - 1;
        s.lastPub = seq;
      }
      counts.pubReceived++;
    } else if (text[0] === 'f') {
      // Everything published to the room and every echo asked for came before this answer.
      const latest = Number(text.slice(1));
      if (s.lastPub !== undefined && latest > s.lastPub) counts.lost += latest - s.lastPub;
      counts.lost += s.nextEcho - s.expectEcho;
      counts.fenceChecks++;
      s.fenced?.();
    }
  });
  ws.on('error', (error) => {
    // A connection we abort while it is still connecting (at the stop) is not a failure.
    if (!s.wasOpen && !s.closing) counts.connectErrors++;
    if (!s.closing) countFailure(error);
  });
  ws.on('close', () => {
    for (const t of s.timers) clearTimeout(t);
    sessions.delete(s);
    if (s.wasOpen) counts.open--;
    if (!s.closing) {
      // Not ours: the server ended it, or the connection failed. Counted, then replaced.
      counts.unexpectedCloses++;
      if (!stopping) setTimeout(() => subscriber(slot), 100);
    }
  });
  return s;
}

function sendEcho(s) {
  if (s.closing || s.ws.readyState !== WebSocket.OPEN) return;
  s.ws.send(`e${s.nextEcho++}`);
  counts.echoSent++;
}

/** Ends a session: gracefully (fence, then close 1000) or abruptly (terminate); reconnects unless stopping. */
async function leave(s, slot, graceful = Math.random() >= abruptShare) {
  if (s.closing) return;
  s.closing = true;
  for (const t of s.timers) clearTimeout(t);
  if (s.ws.readyState !== WebSocket.OPEN) {
    s.ws.terminate(); // still connecting: nothing was sent on it yet
    return;
  }
  if (graceful) {
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        counts.fenceTimeouts++;
        resolve();
      }, 10_000);
      s.fenced = () => {
        clearTimeout(timer);
        resolve();
      };
      s.ws.send('f');
    });
    const closed = new Promise((resolve) => s.ws.once('close', resolve));
    s.ws.close(1000);
    await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000))]);
    counts.gracefulCloses++;
  } else {
    s.ws.terminate();
    counts.abruptCloses++;
  }
  if (!stopping) {
    counts.reconnects++;
    setTimeout(() => subscriber(slot), Math.random() * 1000);
  }
}

/** A publisher: publishes to its room with a sequence number, for the whole run. */
function publisher(room) {
  const ws = new WebSocket(`${url}/pub/${room}`, { perMessageDeflate: false });
  const p = { ws, seq: 0, timer: undefined };
  ws.on('open', () => {
    counts.open++;
    counts.opened++;
    p.timer = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(`p${room}:${p.seq++}`);
      counts.published++;
    }, pubIntervalMs);
  });
  ws.on('error', () => {});
  ws.on('close', () => {
    clearInterval(p.timer);
    counts.open--;
    if (!stopping) counts.unexpectedCloses++;
  });
  return p;
}

const pubs = [];
for (let r = index; r < rooms && pubs.length < publishers; r += cfg.processes) pubs.push(publisher(r));
// Subscribers ramp up over rampMs so the listen backlog is not the thing under test.
const subscriberCount = connections - pubs.length;
for (let i = 0; i < subscriberCount; i++) {
  setTimeout(() => subscriber(index + i * cfg.processes), (i / subscriberCount) * rampMs);
}

const report = setInterval(() => process.send?.({ type: 'counts', counts }), 1000);

process.on('message', async (m) => {
  if (m !== 'stop') return;
  stopping = true;
  clearInterval(report);
  for (const p of pubs) clearInterval(p.timer);
  // Let the last publications arrive before the fences ask for them.
  await new Promise((r) => setTimeout(r, 500));
  await Promise.all([...sessions].map((s) => leave(s, -1, true)));
  for (const p of pubs) p.ws.close(1000);
  await new Promise((r) => setTimeout(r, 500));
  process.send?.({ type: 'final', counts });
  setTimeout(() => process.exit(0), 100);
});
