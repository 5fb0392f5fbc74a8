/**
 * What happens in a room: joining, leaving, saying, typing. Each room is an App topic
 * (`room/<name>`); lines and typing are published to that topic, so the transport encodes them
 * once and fans them out, and the App's broker (if any) carries them to the room's members on
 * other threads or processes. Presence changes are different: each process tells its own
 * members (`announce`) what changed in its view of the room, which the other processes keep up
 * to date through the `Cluster` (so a process that crashed, and cannot say its users left,
 * still drops out of every count).
 */
import { encode, errorMessage } from './protocol.mjs';

/** The App topic of a room. @param {string} room */
export function roomTopic(room) {
  return `room/${room}`;
}

/**
 * @typedef {{ room?: string, name?: string, joining?: { room: string, name: string, seq: number } }} ChatUser
 *   a socket's user data; `joining`: a join waiting for the room's history from other processes
 * @typedef {import('@uws/native').WebSocket<ChatUser>} ChatSocket
 * @typedef {(topic: string, message: string) => void} Publish  delivers to every subscriber of a topic
 */

let joinSeq = 0;

export class Rooms {
  /**
   * @param {{ publish: Publish, announce?: Publish, history: import('./history.mjs').History, presence: import('./presence.mjs').Presence, now?: () => number }} parts
   *   publish: to every subscriber of the topic, everywhere; announce: to this process's
   *   subscribers only (default: publish, right when there is one process).
   */
  constructor(parts) {
    this.publish = parts.publish;
    this.announce = parts.announce ?? parts.publish;
    this.history = parts.history;
    this.presence = parts.presence;
    this.now = parts.now ?? Date.now;
    /** Set when the chat runs as several processes. @type {import('./cluster.mjs').Cluster | undefined} */
    this.cluster = undefined;
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
    if (user.joining === undefined && user.room === room && user.name === name) return this.welcome(ws, room, name);
    this.cancelJoin(user);
    const firstHere = this.presence.localCount(room) === 0;
    if (!this.presence.enter(room, name)) {
      ws.send(errorMessage('name-taken', `"${name}" is already in ${room}`));
      return;
    }
    if (user.room !== undefined) {
      ws.unsubscribe(roomTopic(user.room));
      this.left(user.room, /** @type {string} */ (user.name));
      user.room = user.name = undefined;
    }
    // The first user of a room on this process: the lines said elsewhere before are not here
    // (and a join while that first one waits waits with it).
    if (this.cluster !== undefined && (firstHere || this.cluster.isCatchingUp(room))) {
      const joining = (user.joining = { room, name, seq: joinSeq++ });
      this.cluster.catchUp(room, () => {
        if (user.joining !== joining) return; // closed, or joined elsewhere meanwhile
        user.joining = undefined;
        this.entered(ws, room, name);
      });
      return;
    }
    this.entered(ws, room, name);
  }

  /** @param {ChatSocket} ws @param {string} room @param {string} name */
  entered(ws, room, name) {
    const user = ws.getUserData();
    user.room = room;
    user.name = name;
    ws.subscribe(roomTopic(room));
    this.welcome(ws, room, name);
    this.announcePresence(room, { joined: name });
    this.cluster?.roomChanged(room);
  }

  /** Drops a join still waiting for history (its name is free again). @param {ChatUser} user */
  cancelJoin(user) {
    const joining = user.joining;
    if (joining === undefined) return;
    user.joining = undefined;
    this.presence.leave(joining.room, joining.name);
    this.cluster?.roomChanged(joining.room);
  }

  /**
   * Runs a change to the other processes' presence, then tells this process's members of each
   * room what changed there (one presence message per name that came or went).
   * @param {() => void} change
   */
  watch(change) {
    const before = new Map(this.presence.localRooms().map((room) => [room, this.presence.members(room)]));
    change();
    for (const [room, was] of before) {
      const now = this.presence.members(room);
      const gone = minus(was, now);
      const came = minus(now, was);
      for (const name of gone) this.announcePresence(room, { left: name });
      for (const name of came) this.announcePresence(room, { joined: name });
    }
  }

  /**
   * Takes a closed socket out of its room. Called from the close handler.
   * @param {ChatUser} user
   */
  leave(user) {
    this.cancelJoin(user);
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
    const server = this.cluster === undefined ? {} : { server: this.cluster.node };
    ws.send(encode({ type: 'joined', room, name, members: this.presence.members(room), history: this.history.recent(room), ...server }));
  }

  /** @param {string} room @param {string} name */
  left(room, name) {
    this.presence.leave(room, name);
    this.announcePresence(room, { left: name });
    this.cluster?.roomChanged(room);
  }

  /** @param {string} room @param {{ joined?: string, left?: string }} change */
  announcePresence(room, change) {
    const members = this.presence.members(room);
    this.announce(roomTopic(room), encode({ type: 'presence', room, count: members.length, members, ...change }));
  }
}

/** The names of `a` not in `b`, as multisets (a name twice in `a` and once in `b` is once in the result). @param {string[]} a @param {string[]} b */
function minus(a, b) {
  const left = [...b];
  return a.filter((name) => {
    const i = left.indexOf(name);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}
