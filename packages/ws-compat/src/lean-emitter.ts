/**
 * The EventEmitter base of a WebSocket, sized for many idle sockets. `EventEmitter`'s
 * constructor gives every instance five own fields (`_events`, `_eventsCount`, `_maxListeners`
 * and two symbol-keyed flags) and a dictionary-mode listener table. Three of those fields only
 * ever hold the defaults that `EventEmitter.prototype` holds too, so this base leaves them to
 * the prototype; and its listener table is a fast-mode object (see {@link ListenerTable}).
 *
 * Instances are still EventEmitters in every way code can tell (`instanceof`, every method,
 * the statics such as `listenerCount`), and `setMaxListeners` still writes its own field. One
 * difference: a socket made before `EventEmitter.captureRejections` is changed follows the new
 * value, where an EventEmitter keeps the value it was made with.
 */
import { EventEmitter } from 'node:events';

/**
 * EventEmitter's listener table: no inherited names (not even `__proto__`), like the
 * `{ __proto__: null }` object EventEmitter makes, but in fast mode: about 40 bytes with two
 * listeners on, against about 270 for the dictionary-mode literal.
 */
export const ListenerTable = function ListenerTable() {} as unknown as new () => object;
ListenerTable.prototype = Object.create(null) as object;

/** Constructor of {@link LeanEmitter}: only the two fields EventEmitter's methods write. */
function LeanEmitterBase(this: { _events: object; _eventsCount: number }): void {
  this._events = new ListenerTable();
  this._eventsCount = 0;
}
LeanEmitterBase.prototype = EventEmitter.prototype;
// Statics (`listenerCount`, `defaultMaxListeners`, ...) come from EventEmitter, as for a subclass.
Object.setPrototypeOf(LeanEmitterBase, EventEmitter);

/** EventEmitter with two own fields per instance instead of five (see the module comment). */
export const LeanEmitter = LeanEmitterBase as unknown as typeof EventEmitter;
