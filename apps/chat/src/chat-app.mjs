import { readFileSync } from 'node:fs';
import { App, SHARED_COMPRESSOR } from '@uws/native';
import { BrokerTap } from './broker-tap.mjs';
import { Cluster } from './cluster.mjs';
import { History } from './history.mjs';
import { Presence } from './presence.mjs';
import { CLOSE_UNSUPPORTED_DATA, MAX_FRAME_BYTES, errorMessage, parseClientMessage } from './protocol.mjs';
import { Rooms } from './rooms.mjs';

const PAGE = readFileSync(new URL('./page.html', import.meta.url));
const decoder = new TextDecoder('utf-8');

/**
 * @typedef {{
 *   transport?: 'auto' | 'epoll' | 'node',
 *   historyPerRoom?: number, historyRooms?: number, idleTimeout?: number,
 *   broker?: import('@uws/native').Broker,
 *   heartbeatMs?: number, presenceTtlMs?: number, historyWaitMs?: number,
 * }} ChatOptions
 *   transport: default 'auto'; historyPerRoom / historyRooms: see `History` (defaults 50 / 100);
 *   idleTimeout: seconds without data before a socket is closed (default 120; the App pings at half);
 *   broker: shares the rooms with every chat on the same broker (a ThreadBroker across worker
 *   threads, a RedisBroker across processes); default none: one process, as before.
 *   With a broker (see `Cluster`): heartbeatMs: how often this process reports its users
 *   (default 2000); presenceTtlMs: how long a report holds, so how soon a crashed process's users
 *   leave the counts (default 3 × heartbeatMs); historyWaitMs: how long the first join of a room
 *   on this process waits for the other processes' history at most (default 300).
 */

/**
 * The chat server: GET / serves the page, `/chat` is the WebSocket. Rooms are App topics.
 *
 * Without a broker, presence and history live in this process. With one, lines and typing
 * cross it as topic publishes, and the processes keep presence and history in step on a control
 * topic (`Cluster`). The broker must be given here (not attached to the returned App later).
 *
 * @param {ChatOptions} [options]
 */
export function createChatApp(options = {}) {
  const tap = options.broker === undefined ? undefined : new BrokerTap(options.broker);
  const app = App({ transport: options.transport ?? 'auto', broker: tap });
  const history = new History({ perRoom: options.historyPerRoom, maxRooms: options.historyRooms });
  const presence = new Presence();
  const rooms = new Rooms({
    publish: (topic, message) => app.publish(topic, message),
    announce: tap === undefined ? undefined : (topic, message) => tap.deliverLocal(topic, message),
    history,
    presence,
  });
  if (tap !== undefined) {
    rooms.cluster = new Cluster({
      tap,
      presence,
      history,
      watch: (change) => rooms.watch(change),
      heartbeatMs: options.heartbeatMs,
      ttlMs: options.presenceTtlMs,
      historyWaitMs: options.historyWaitMs,
    });
  }
  return app
    .get('/', (res) => {
      res.writeHeader('Content-Type', 'text/html; charset=utf-8').end(PAGE);
    })
    .ws('/chat', {
      compression: SHARED_COMPRESSOR,
      maxPayloadLength: MAX_FRAME_BYTES,
      idleTimeout: options.idleTimeout ?? 120,
      message: (ws, message, isBinary) => {
        if (isBinary) {
          ws.end(CLOSE_UNSUPPORTED_DATA, 'text messages only');
          return;
        }
        // Text messages reach here only as valid UTF-8 (the App closes others with 1007).
        const parsed = parseClientMessage(decoder.decode(message));
        if (!parsed.ok) {
          ws.send(errorMessage(parsed.code, parsed.reason));
          return;
        }
        const m = parsed.message;
        if (m.type === 'join') rooms.join(ws, m.room, m.name);
        else if (m.type === 'say') rooms.say(ws, m.text);
        else rooms.typing(ws);
      },
      close: (ws) => rooms.leave(ws.getUserData()),
    });
}
