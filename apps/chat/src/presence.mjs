/**
 * Who is in which room: the users of this process, and (when the chat runs as several processes
 * or threads) the users of the others as they last reported them (`cluster.mjs`), each report
 * valid until its expiry. A name is unique within a room (case-insensitively), so people can
 * tell each other apart; the same name may be in other rooms.
 */

/**
 * @typedef {[name: string, at: number]} RosterEntry  a user of a room and when it joined (ms since the epoch)
 * @typedef {Record<string, RosterEntry[]>} Roster  room → its users on one process
 */

export class Presence {
  /** @param {{ now?: () => number }} [options] now: the clock (default Date.now) */
  constructor(options = {}) {
    this.now = options.now ?? Date.now;
    /** room → (lowercased name → [name as given, joined at]) @type {Map<string, Map<string, RosterEntry>>} */
    this.rooms = new Map();
    /** other process id → its rooms and until when its report holds @type {Map<string, { expires: number, rooms: Map<string, RosterEntry[]> }>} */
    this.remote = new Map();
  }

  /**
   * Adds a name of this process to a room.
   * @param {string} room
   * @param {string} name
   * @returns {boolean} false when the name is already taken in that room, here or on another
   *   process as far as this one knows
   */
  enter(room, name) {
    const key = name.toLowerCase();
    if (this.members(room).some((n) => n.toLowerCase() === key)) return false;
    let members = this.rooms.get(room);
    if (members === undefined) this.rooms.set(room, (members = new Map()));
    members.set(key, [name, this.now()]);
    return true;
  }

  /**
   * Removes a name of this process from a room; an empty room is forgotten.
   * @param {string} room
   * @param {string} name
   */
  leave(room, name) {
    const members = this.rooms.get(room);
    if (members === undefined) return;
    members.delete(name.toLowerCase());
    if (members.size === 0) this.rooms.delete(room);
  }

  /**
   * The names in a room on every process known, in the order they came.
   * @param {string} room
   * @returns {string[]}
   */
  members(room) {
    /** @type {RosterEntry[]} */
    const all = [...(this.rooms.get(room)?.values() ?? [])];
    for (const node of this.remote.values()) all.push(...(node.rooms.get(room) ?? []));
    // Stable: ties keep this process's users first, then the others' in the order they reported.
    return all.sort((a, b) => a[1] - b[1]).map((e) => e[0]);
  }

  /** How many users of this process are in a room. @param {string} room */
  localCount(room) {
    return this.rooms.get(room)?.size ?? 0;
  }

  /** The rooms this process has users in. */
  localRooms() {
    return [...this.rooms.keys()];
  }

  /** This process's users of one room. @param {string} room @returns {RosterEntry[]} */
  localRoster(room) {
    return [...(this.rooms.get(room)?.values() ?? [])];
  }

  /** This process's users of every room. @returns {Roster} */
  roster() {
    /** @type {Roster} */
    const out = {};
    for (const room of this.rooms.keys()) out[room] = this.localRoster(room);
    return out;
  }

  /**
   * Another process's report: its users of one room (`room` given) or of every room (then rooms
   * it does not list are empty there). Its reports hold until `expires`.
   * @param {string} node @param {number} expires @param {Roster} rooms @param {boolean} whole
   * @returns {boolean} true when this process did not know that node
   */
  report(node, expires, rooms, whole) {
    let known = this.remote.get(node);
    const isNew = known === undefined;
    if (known === undefined) this.remote.set(node, (known = { expires, rooms: new Map() }));
    known.expires = expires;
    if (whole) known.rooms.clear();
    for (const [room, users] of Object.entries(rooms)) {
      if (users.length === 0) known.rooms.delete(room);
      else known.rooms.set(room, users);
    }
    return isNew;
  }

  /** Forgets another process (it said goodbye). @param {string} node */
  forget(node) {
    this.remote.delete(node);
  }

  /**
   * Forgets the processes whose last report expired (crashed, or cut off).
   * @returns {string[]} their ids
   */
  expire() {
    const now = this.now();
    const gone = [];
    for (const [node, { expires }] of this.remote) {
      if (expires <= now) {
        this.remote.delete(node);
        gone.push(node);
      }
    }
    return gone;
  }
}
