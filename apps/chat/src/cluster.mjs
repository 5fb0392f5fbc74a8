/**
 * What the chat's processes (or worker threads) tell each other, on the control topic
 * `chat/cluster` of their broker, so that presence and history hold across all of them. Each
 * process has a random id. One JSON object per message:
 *
 *   { "t": "roster",   "node", "ttl", "rooms": { room: [[name, joinedAt]] } }
 *        every user of the sender, by room: sent at start, every `heartbeatMs`, and to greet a
 *        process heard of for the first time. Holds for `ttl` ms: a process that stops sending
 *        (crash, kill -9, cut off from the broker) drops out of every count within `ttl`.
 *   { "t": "room",     "node", "ttl", "room", "users": [[name, joinedAt]] }
 *        the sender's users of one room, right after they changed (join, leave).
 *   { "t": "bye",      "node" }                       the sender is closing: forget it now.
 *   { "t": "history?", "node", "room", "req" }        a process is about to show a room it has no
 *        user in (so its history of the room may be stale or empty): who has lines, send them.
 *   { "t": "history",  "node", "to", "req", "room", "lines", "current" }   the answer; `current`:
 *        the sender has users in the room, so it has seen every line since they came.
 *
 * A malformed message is ignored (counted in `stats.malformed`): these come from our own
 * processes, so one would be a version mismatch, not an attack.
 */
import { randomBytes } from 'node:crypto';

/** The control topic (room topics are `room/<name>`: no clash). */
export const CLUSTER_TOPIC = 'chat/cluster';
/** How often a process reports its users, in ms. */
export const DEFAULT_HEARTBEAT_MS = 2000;
/** How long a newcomer's join waits for other processes' history when none of them answers as current, in ms. */
export const DEFAULT_HISTORY_WAIT_MS = 300;

/**
 * @typedef {import('./presence.mjs').Roster} Roster
 * @typedef {import('./presence.mjs').RosterEntry} RosterEntry
 * @typedef {import('./history.mjs').ChatLine} ChatLine
 */

export class Cluster {
  /**
   * @param {{
   *   tap: import('./broker-tap.mjs').BrokerTap,
   *   presence: import('./presence.mjs').Presence,
   *   history: import('./history.mjs').History,
   *   watch: (change: () => void) => void,
   *   heartbeatMs?: number, ttlMs?: number, historyWaitMs?: number, nodeId?: string,
   * }} parts
   *   watch: runs a change to the other processes' presence and tells this process's users what
   *   it changed in their rooms (`Rooms.watch`).
   *   heartbeatMs: default {@link DEFAULT_HEARTBEAT_MS}; ttlMs: how long a report holds (default
   *   3 × heartbeatMs); historyWaitMs: default {@link DEFAULT_HISTORY_WAIT_MS}; nodeId: default random.
   */
  constructor(parts) {
    this.tap = parts.tap;
    this.presence = parts.presence;
    this.history = parts.history;
    this.watch = parts.watch;
    this.heartbeatMs = parts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.ttlMs = parts.ttlMs ?? 3 * this.heartbeatMs;
    this.historyWaitMs = parts.historyWaitMs ?? DEFAULT_HISTORY_WAIT_MS;
    this.node = parts.nodeId ?? randomBytes(6).toString('hex');
    this.stats = { malformed: 0 };
    /** open history requests @type {Map<number, (lines: ChatLine[], current: boolean) => void>} */
    this.requests = new Map();
    this.nextRequest = 0;
    /** room → the joins waiting for its catch-up @type {Map<string, (() => void)[]>} */
    this.catchingUp = new Map();
    this.tap.listen(CLUSTER_TOPIC, (text) => this.receive(text));
    this.tap.observe((topic, text) => this.observe(topic, text));
    this.tap.onClose.push(() => this.stop());
    // Checks expiry twice per heartbeat: a crashed process is gone within ttl + heartbeat/2.
    this.timer = setInterval(() => this.tick(), Math.max(10, this.heartbeatMs / 2));
    this.timer.unref();
    this.ticks = 0;
    this.sendRoster();
  }

  /** Whether a join of `room` is waiting for the other processes' history. @param {string} room */
  isCatchingUp(room) {
    return this.catchingUp.has(room);
  }

  /** This process's users of `room` changed: tell the others. @param {string} room */
  roomChanged(room) {
    this.send({ t: 'room', node: this.node, ttl: this.ttlMs, room, users: this.presence.localRoster(room) });
  }

  /**
   * Brings this process's history of `room` up to date before a newcomer sees it: holds the room
   * topic (so lines said from now on arrive here), asks the other processes for their lines and
   * merges the answers. Resolves at the first answer from a process that has users in the room
   * (its history is current), or after `historyWaitMs` with whatever came. `done` runs then, and
   * the hold ends after it (the newcomer's socket has subscribed by then).
   * @param {string} room @param {() => void} done
   */
  catchUp(room, done) {
    // Joins of the room while one catch-up is on wait for that one.
    const waiting = this.catchingUp.get(room);
    if (waiting !== undefined) {
      waiting.push(done);
      return;
    }
    const callbacks = [done];
    this.catchingUp.set(room, callbacks);
    const topic = `room/${room}`;
    this.tap.hold(topic);
    const req = this.nextRequest++;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      this.requests.delete(req);
      this.catchingUp.delete(room);
      try {
        for (const callback of callbacks) callback();
      } finally {
        this.tap.release(topic);
      }
    };
    const timer = setTimeout(finish, this.historyWaitMs);
    this.requests.set(req, (lines, current) => {
      this.history.merge(room, lines);
      if (current) finish();
    });
    this.send({ t: 'history?', node: this.node, room, req });
  }

  stop() {
    clearInterval(this.timer);
    for (const answer of this.requests.values()) answer([], true);
    this.send({ t: 'bye', node: this.node });
  }

  tick() {
    if (++this.ticks % 2 === 0) this.sendRoster();
    this.watch(() => this.presence.expire());
  }

  sendRoster() {
    this.send({ t: 'roster', node: this.node, ttl: this.ttlMs, rooms: this.presence.roster() });
  }

  /** @param {Record<string, unknown>} message */
  send(message) {
    this.tap.send(CLUSTER_TOPIC, JSON.stringify(message));
  }

  /** A line said on another process, on its way to this one's sockets. @param {string} topic @param {string} text */
  observe(topic, text) {
    if (!topic.startsWith('room/')) return;
    let m;
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    if (m?.type !== 'message') return;
    const line = toLine(m);
    if (line !== undefined && m.room === topic.slice(5)) this.history.add(m.room, line);
  }

  /** @param {string} text */
  receive(text) {
    let m;
    try {
      m = JSON.parse(text);
    } catch {
      m = undefined;
    }
    if (typeof m !== 'object' || m === null || typeof m.node !== 'string' || m.node === this.node || !this.handle(m)) this.stats.malformed++;
  }

  /**
   * @param {Record<string, any>} m
   * @returns {boolean} false when malformed
   */
  handle(m) {
    const now = Date.now();
    switch (m.t) {
      case 'roster': {
        const rooms = toRoster(m.rooms);
        if (rooms === undefined || !(m.ttl > 0)) return false;
        let isNew = false;
        this.watch(() => (isNew = this.presence.report(m.node, now + m.ttl, rooms, true)));
        // A process heard of for the first time hears of this one at once, not at its next heartbeat.
        if (isNew) this.sendRoster();
        return true;
      }
      case 'room': {
        const users = toEntries(m.users);
        if (typeof m.room !== 'string' || users === undefined || !(m.ttl > 0)) return false;
        let isNew = false;
        this.watch(() => (isNew = this.presence.report(m.node, now + m.ttl, { [m.room]: users }, false)));
        if (isNew) this.sendRoster();
        return true;
      }
      case 'bye':
        this.watch(() => this.presence.forget(m.node));
        return true;
      case 'history?': {
        if (typeof m.room !== 'string') return false;
        const lines = this.history.recent(m.room);
        const current = this.presence.localCount(m.room) > 0;
        if (lines.length > 0 || current) this.send({ t: 'history', node: this.node, to: m.node, req: m.req, room: m.room, lines, current });
        return true;
      }
      case 'history': {
        if (m.to !== this.node) return true;
        const answer = this.requests.get(m.req);
        const lines = Array.isArray(m.lines) ? m.lines.map(toLine) : undefined;
        if (lines === undefined || lines.includes(undefined)) return false;
        answer?.(/** @type {ChatLine[]} */ (lines), m.current === true);
        return true;
      }
      default:
        return false;
    }
  }
}

/** @param {any} m @returns {ChatLine | undefined} */
function toLine(m) {
  if (typeof m?.name !== 'string' || typeof m.text !== 'string' || typeof m.at !== 'number') return undefined;
  return { name: m.name, text: m.text, at: m.at };
}

/** @param {unknown} users @returns {RosterEntry[] | undefined} */
function toEntries(users) {
  if (!Array.isArray(users)) return undefined;
  for (const u of users) if (!Array.isArray(u) || typeof u[0] !== 'string' || typeof u[1] !== 'number') return undefined;
  return /** @type {RosterEntry[]} */ (users);
}

/** @param {unknown} rooms @returns {Roster | undefined} */
function toRoster(rooms) {
  if (typeof rooms !== 'object' || rooms === null) return undefined;
  /** @type {Roster} */
  const out = {};
  for (const [room, users] of Object.entries(rooms)) {
    const entries = toEntries(users);
    if (entries === undefined) return undefined;
    out[room] = entries;
  }
  return out;
}
