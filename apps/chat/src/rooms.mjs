/**
 * What happens in a room: joining, leaving, saying, typing. Each room is an App topic
 * (`room/<name>`); everything a room's members should see is published to that topic, so the
 * transport encodes it once and fans it out (and a broker attached to the App would carry it to
 * the room's members on other threads or machines).
 */
import { encode, errorMessage } from './protocol.mjs';

/** The App topic of a room. @param {string} room */
export function roomTopic(room) {
  return `room/${room}`;
}

/**
 * @typedef {{ room?: string, name?: string }} ChatUser  a socket's user data
 * @typedef {import('@uws/native').WebSocket<ChatUser>} ChatSocket
 * @typedef {(topic: string, message: string) => void} Publish  delivers to every subscriber of a topic
 */

export class Rooms {
  /**
   * @param {{ publish: Publish, history: import('./history.mjs').History, presence: import('./presence.mjs').Presence, now?: () => number }} parts
   */
  constructor(parts) {
    this.publish = parts.publish;
    this.history = parts.history;
    this.presence = parts.presence;
    this.now = parts.now ?? Date.now;
  }

  /**
   * Puts a socket in a room under a name, leaving the room it was in. Refused (the socket stays
   * where it was) when the name is taken in that room.
   * @param {ChatSocket} ws
   * @param {string} room
   * @param {string} name
   */
  join(ws, room, name) {
    const user = ws.getUserData();
    if (user.room === room && user.name === name) return this.welcome(ws, room, name);
    if (!this.presence.enter(room, name)) {
      ws.send(errorMessage('name-taken', `"${name}" is already in ${room}`));
      return;
    }
    if (user.room !== undefined) {
      ws.unsubscribe(roomTopic(user.room));
      this.left(user.room, /** @type {string} */ (user.name));
    }
    user.room = room;
    user.name = name;
    ws.subscribe(roomTopic(room));
    this.welcome(ws, room, name);
    this.publishPresence(room, { joined: name });
  }

  /**
   * Takes a closed socket out of its room. Called from the close handler.
   * @param {ChatUser} user
   */
  leave(user) {
    if (user.room === undefined) return;
    const { room, name } = user;
    user.room = user.name = undefined;
    this.left(room, /** @type {string} */ (name));
  }

  /**
   * Posts a line to the socket's room and keeps it in the room's history.
   * @param {ChatSocket} ws
   * @param {string} text
   */
  say(ws, text) {
    const { room, name } = ws.getUserData();
    if (room === undefined || name === undefined) {
      ws.send(errorMessage('not-joined', 'join a room first'));
      return;
    }
    const line = { name, text, at: this.now() };
    this.history.add(room, line);
    this.publish(roomTopic(room), encode({ type: 'message', room, ...line }));
  }

  /**
   * Tells the others in the room that this socket is typing. Ephemeral: not kept, not echoed.
   * @param {ChatSocket} ws
   */
  typing(ws) {
    const { room, name } = ws.getUserData();
    if (room === undefined || name === undefined) {
      ws.send(errorMessage('not-joined', 'join a room first'));
      return;
    }
    // ws.publish skips the sender itself.
    ws.publish(roomTopic(room), encode({ type: 'typing', room, name }));
  }

  /** @param {ChatSocket} ws @param {string} room @param {string} name */
  welcome(ws, room, name) {
    ws.send(encode({ type: 'joined', room, name, members: this.presence.members(room), history: this.history.recent(room) }));
  }

  /** @param {string} room @param {string} name */
  left(room, name) {
    this.presence.leave(room, name);
    this.publishPresence(room, { left: name });
  }

  /** @param {string} room @param {{ joined?: string, left?: string }} change */
  publishPresence(room, change) {
    const members = this.presence.members(room);
    this.publish(roomTopic(room), encode({ type: 'presence', room, count: members.length, members, ...change }));
  }
}
