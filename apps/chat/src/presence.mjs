/**
 * Who is in which room, on this server. A name is unique within a room (case-insensitively),
 * so people can tell each other apart; the same name may be in other rooms.
 */
export class Presence {
  constructor() {
    /** room → (lowercased name → name as given) @type {Map<string, Map<string, string>>} */
    this.rooms = new Map();
  }

  /**
   * Adds a name to a room.
   * @param {string} room
   * @param {string} name
   * @returns {boolean} false when the name is already taken in that room
   */
  enter(room, name) {
    let members = this.rooms.get(room);
    if (members === undefined) this.rooms.set(room, (members = new Map()));
    const key = name.toLowerCase();
    if (members.has(key)) return false;
    members.set(key, name);
    return true;
  }

  /**
   * Removes a name from a room; an empty room is forgotten.
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
   * The names in a room, in the order they came.
   * @param {string} room
   * @returns {string[]}
   */
  members(room) {
    return [...(this.rooms.get(room)?.values() ?? [])];
  }
}
