import { once } from 'node:events';
import WebSocket from 'ws';

/**
 * A real ws client for the chat that queues what it receives, so a test can wait for the next
 * message of a given type without racing the socket.
 */
export class ChatPeer {
  /** @param {number} port */
  static async connect(port) {
    const peer = new ChatPeer(new WebSocket(`ws://127.0.0.1:${port}/chat`));
    await once(peer.ws, 'open');
    return peer;
  }

  /** @param {WebSocket} ws */
  constructor(ws) {
    this.ws = ws;
    /** @type {any[]} */
    this.inbox = [];
    /** @type {(() => void)[]} */
    this.waiters = [];
    ws.on('message', (data) => {
      this.inbox.push(JSON.parse(String(data)));
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = once(ws, 'close').then(([code, reason]) => ({ code, reason: String(reason) }));
  }

  /** @param {unknown} message */
  send(message) {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /**
   * The next received message of this type (earlier messages of other types are dropped).
   * @param {string} type
   * @param {number} [timeoutMs]
   */
  async next(type, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.inbox.length > 0) {
        const m = this.inbox.shift();
        if (m.type === type) return m;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} message within ${timeoutMs} ms`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(undefined); });
      });
    }
  }

  async join(room, name) {
    this.send({ type: 'join', room, name });
    return this.next('joined');
  }

  close() {
    this.ws.close(1000);
    return this.closed;
  }
}
