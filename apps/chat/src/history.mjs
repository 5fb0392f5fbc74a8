/**
 * The last messages of each room, in memory. Bounded twice: at most `perRoom` messages per room
 * (older ones drop off), and at most `maxRooms` rooms (the room written to least recently is
 * forgotten first). With the defaults and the protocol's limits that is at most
 * 50 × 100 messages of ≤ 1000 characters: a few MB in the worst case.
 */

/** Messages kept per room (N in "the last N messages"). */
export const DEFAULT_HISTORY_PER_ROOM = 50;
/** Rooms whose history is kept. */
export const DEFAULT_HISTORY_ROOMS = 100;

/** @typedef {{ name: string, text: string, at: number }} ChatLine */

export class History {
  /**
   * @param {{ perRoom?: number, maxRooms?: number }} [options]
   *   perRoom: messages kept per room (default {@link DEFAULT_HISTORY_PER_ROOM});
   *   maxRooms: rooms kept (default {@link DEFAULT_HISTORY_ROOMS}).
   */
  constructor(options = {}) {
    this.perRoom = options.perRoom ?? DEFAULT_HISTORY_PER_ROOM;
    this.maxRooms = options.maxRooms ?? DEFAULT_HISTORY_ROOMS;
    /** Map order is recency order: a room written to moves to the end. @type {Map<string, ChatLine[]>} */
    this.rooms = new Map();
  }

  /**
   * Records a message.
   * @param {string} room
   * @param {ChatLine} line
   */
  add(room, line) {
    let lines = this.rooms.get(room);
    if (lines === undefined) lines = [];
    else this.rooms.delete(room);
    this.rooms.set(room, lines);
    lines.push(line);
    if (lines.length > this.perRoom) lines.splice(0, lines.length - this.perRoom);
    while (this.rooms.size > this.maxRooms) this.rooms.delete(this.rooms.keys().next().value);
  }

  /**
   * Takes in the history another process kept of a room (see `cluster.mjs`): the lines this one
   * lacks are added, in time order, and the room keeps its last `perRoom`. A line is the same line
   * when its time, name and text are.
   * @param {string} room
   * @param {ChatLine[]} lines
   */
  merge(room, lines) {
    const mine = this.rooms.get(room) ?? [];
    const seen = new Set(mine.map(lineKey));
    const added = lines.filter((l) => !seen.has(lineKey(l)) && seen.add(lineKey(l)));
    if (added.length === 0) return;
    const merged = [...mine, ...added].sort((a, b) => a.at - b.at);
    this.rooms.delete(room);
    this.rooms.set(room, []);
    for (const line of merged) this.add(room, line);
  }

  /** Whether any line of the room is kept. @param {string} room */
  has(room) {
    return this.rooms.has(room);
  }

  /**
   * The kept messages of a room, oldest first (a copy).
   * @param {string} room
   * @returns {ChatLine[]}
   */
  recent(room) {
    return [...(this.rooms.get(room) ?? [])];
  }
}

/** @param {ChatLine} line */
function lineKey(line) {
  return `${line.at}\u0000${line.name}\u0000${line.text}`;
}
