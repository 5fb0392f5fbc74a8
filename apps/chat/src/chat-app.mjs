import { readFileSync } from 'node:fs';
import { App, SHARED_COMPRESSOR } from '@uws/native';
import { History } from './history.mjs';
import { Presence } from './presence.mjs';
import { CLOSE_UNSUPPORTED_DATA, MAX_FRAME_BYTES, errorMessage, parseClientMessage } from './protocol.mjs';
import { Rooms } from './rooms.mjs';

const PAGE = readFileSync(new URL('./page.html', import.meta.url));
const decoder = new TextDecoder('utf-8');

/**
 * The chat server: GET / serves the page, `/chat` is the WebSocket. Rooms are App topics.
 *
 * Presence and history live in this process. To scale out, attach a broker to the returned
 * App (the one place: right after this call, before `listen`); room messages, presence and
 * typing events are all topic publishes, so they travel with it.
 *
 * @param {{ transport?: 'auto' | 'epoll' | 'node', historyPerRoom?: number, historyRooms?: number, idleTimeout?: number }} [options]
 *   transport: default 'auto'; historyPerRoom / historyRooms: see `History` (defaults 50 / 100);
 *   idleTimeout: seconds without data before a socket is closed (default 120; the App pings at half).
 */
export function createChatApp(options = {}) {
  const app = App({ transport: options.transport ?? 'auto' });
  const rooms = new Rooms({
    publish: (topic, message) => app.publish(topic, message),
    history: new History({ perRoom: options.historyPerRoom, maxRooms: options.historyRooms }),
    presence: new Presence(),
  });
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
