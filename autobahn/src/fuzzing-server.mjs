// @ts-check
// The fuzzing server (the suite's `wstest -m fuzzingserver`): client testees connect to it and
// drive the run themselves, as with the official suite:
//
//   /getCaseCount                      a text message with the number of cases, then close
//   /runCase?case=N&agent=NAME         case N (1-based) played from the server side
//   /updateReports?agent=NAME          the testee is done: reports for NAME are due
//
// Each case is the catalogue entry of client mode played by a FuzzingServerSession: the same
// frames (unmasked now), the same expectations and verdicts, with the server's close rules, a
// check that every client frame is masked, and the case's own accept rule for the client's
// permessage-deflate offers (12.x/13.x; every other case declines compression).
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { FuzzingServerSession } from './fuzzing-server-session.mjs';
import { OPEN_HANDSHAKE_TIMEOUT_MS } from './fuzzing-session.mjs';
import { readHead } from './http-head.mjs';
import { parseClientOffers } from './permessage-deflate-server.mjs';
import { caseResult } from './runner.mjs';

const MAX_HEAD = 16 * 1024;

/**
 * @typedef {object} FuzzingServerOptions
 * @property {number} [deflateLevel]  the fuzzer's own zlib level (default 6, as the suite)
 * @property {(agent: string, r: import('./runner.mjs').CaseResult) => void} [onResult]
 */

/**
 * Events: 'result' (agent, CaseResult) after each case, 'reports' (agent) on /updateReports.
 * @extends {EventEmitter<{ result: [string, import('./runner.mjs').CaseResult], reports: [string] }>}
 */
export class FuzzingServer extends EventEmitter {
  /**
   * @param {import('./case-builders.mjs').CaseEntry[]} entries  the cases, numbered from 1 in this order
   * @param {FuzzingServerOptions} [o]
   */
  constructor(entries, o = {}) {
    super();
    this.entries = entries;
    this.deflateLevel = o.deflateLevel ?? 6;
    /** @type {Map<string, Map<string, import('./runner.mjs').CaseResult>>} agent → case id → result */
    this.results = new Map();
    /** @type {Set<net.Socket>} */
    this.sockets = new Set();
    this.server = net.createServer((socket) => this.onConnection(socket));
  }

  /** @param {number} [port] @param {string} [host] @returns {Promise<number>} the port */
  listen(port = 0, host = '127.0.0.1') {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve(/** @type {net.AddressInfo} */ (this.server.address()).port));
    });
  }

  /** Stops listening and drops every connection still open. */
  close() {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve(undefined)));
  }

  /** @param {string} agent @returns {import('./runner.mjs').CaseResult[]} */
  resultsOf(agent) {
    return [...(this.results.get(agent)?.values() ?? [])];
  }

  /** @param {net.Socket} socket */
  onConnection(socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), OPEN_HANDSHAKE_TIMEOUT_MS);
    const onData = (/** @type {Buffer} */ chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD) reject(socket, 431, 'request head too large');
        return;
      }
      socket.off('data', onData);
      clearTimeout(timer);
      this.onRequest(socket, head.subarray(0, end).toString('latin1'), head.subarray(end + 4));
    };
    socket.on('data', onData);
  }

  /**
   * Validates the upgrade request and routes it.
   * @param {net.Socket} socket @param {string} text @param {Buffer} rest
   */
  onRequest(socket, text, rest) {
    const { firstLine, headers } = readHead(text);
    const m = /^GET (\S+) HTTP\/1\.1$/.exec(firstLine);
    if (!m) return reject(socket, 400, 'not a GET HTTP/1.1 request');
    const has = (/** @type {string} */ name, /** @type {string} */ token) =>
      (headers.get(name) ?? '').toLowerCase().split(',').some((t) => t.trim() === token);
    if (!has('upgrade', 'websocket') || !has('connection', 'upgrade')) return reject(socket, 400, 'not a WebSocket upgrade');
    const key = headers.get('sec-websocket-key');
    if (!key || Buffer.from(key, 'base64').length !== 16) return reject(socket, 400, 'missing or invalid Sec-WebSocket-Key');
    if (headers.get('sec-websocket-version') !== '13') return reject(socket, 426, 'Sec-WebSocket-Version must be 13');
    const url = new URL(m[1], 'ws://fuzzingserver');
    const agent = url.searchParams.get('agent');

    if (url.pathname === '/getCaseCount') {
      const session = new FuzzingServerSession(socket, idle({ onOpen: () => {
        session.sendMessage(Buffer.from(JSON.stringify(this.entries.length)), false);
        session.sendClose();
      } }), { deflateLevel: this.deflateLevel });
      return session.accept(key, undefined, rest);
    }
    if (url.pathname === '/updateReports') {
      if (!agent) return reject(socket, 400, 'need agent to update reports for');
      const session = new FuzzingServerSession(socket, idle({ onOpen: () => {
        this.emit('reports', agent);
        session.sendClose();
      } }), { deflateLevel: this.deflateLevel });
      return session.accept(key, undefined, rest);
    }
    if (url.pathname !== '/runCase') return reject(socket, 404, `unknown path ${url.pathname}`);
    const n = Number(url.searchParams.get('case'));
    if (!Number.isInteger(n) || n < 1 || n > this.entries.length) return reject(socket, 400, `case ${url.searchParams.get('case')} not found`);
    if (!agent) return reject(socket, 400, 'need agent to run case');
    /** @type {import('./permessage-deflate-server.mjs').ClientOffer[]} */
    let offers;
    try {
      offers = parseClientOffers(headers.get('sec-websocket-extensions'));
    } catch (e) {
      return reject(socket, 400, /** @type {Error} */ (e).message);
    }
    this.runCase(socket, this.entries[n - 1], agent, key, offers, rest);
  }

  /**
   * @param {net.Socket} socket @param {import('./case-builders.mjs').CaseEntry} entry @param {string} agent
   * @param {string} key @param {import('./permessage-deflate-server.mjs').ClientOffer[]} offers @param {Buffer} rest
   */
  runCase(socket, entry, agent, key, offers, rest) {
    let started = Date.now();
    /** @type {import('./case.mjs').Case | undefined} */
    let c;
    const session = new FuzzingServerSession(
      socket,
      {
        onOpen: () => {
          started = Date.now();
          c?.onOpen();
        },
        onMessage: (payload, binary) => c?.onMessage(payload, binary),
        onPong: (payload) => c?.onPong(payload),
        onConnectionLost: () => {
          const k = /** @type {import('./case.mjs').Case} */ (c);
          k.onConnectionLost();
          const r = caseResult(entry.id, k, session.remoteCloseCode, started);
          let byId = this.results.get(agent);
          if (!byId) this.results.set(agent, (byId = new Map()));
          byId.set(entry.id, r);
          this.emit('result', agent, r);
        },
      },
      { deflateLevel: this.deflateLevel },
    );
    c = entry.make(session);
    session.accept(key, offers.length > 0 ? entry.serverAccept?.(offers) : undefined, rest);
  }
}

/**
 * A listener for connections that run no case.
 * @param {Partial<import('./fuzzing-session.mjs').SessionListener>} l
 * @returns {import('./fuzzing-session.mjs').SessionListener}
 */
function idle(l) {
  return { onOpen: () => {}, onMessage: () => {}, onPong: () => {}, onConnectionLost: () => {}, ...l };
}

/** @param {net.Socket} socket @param {number} status @param {string} reason */
function reject(socket, status, reason) {
  const text = { 400: 'Bad Request', 404: 'Not Found', 426: 'Upgrade Required', 431: 'Request Header Fields Too Large' }[status] ?? 'Error';
  const body = `${reason}\n`;
  const extra = status === 426 ? 'Sec-WebSocket-Version: 13\r\n' : '';
  socket.end(`HTTP/1.1 ${status} ${text}\r\n${extra}Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
