/**
 * The WHATWG face of a WebSocket (`addEventListener`, `onmessage`, ...), layered on its
 * EventEmitter events the way ws does it: text messages reach these listeners as strings,
 * binary ones in the `binaryType` form, and `close` carries `code`, `reason` and `wasClean`.
 */
import type { EventEmitter } from 'node:events';

const kTarget = Symbol('target');
/** Marks the wrapper installed by an `onxxx` attribute. */
export const kForOnEventAttribute = Symbol('for-on-event-attribute');
/** The user's handler a wrapper calls. */
export const kListener = Symbol('listener');

/** ws's WHATWG `Event`: what `addEventListener` listeners get (`type`, `target`). */
export class Event {
  readonly type: string;
  [kTarget]: unknown = null;
  constructor(type: string) {
    this.type = type;
  }
  get target(): unknown {
    return this[kTarget];
  }
}

/** ws's `MessageEvent`: `data`. */
export class MessageEvent extends Event {
  readonly data: unknown;
  constructor(type: string, options: { data?: unknown } = {}) {
    super(type);
    this.data = options.data === undefined ? null : options.data;
  }
}

/** ws's `CloseEvent`: `code`, `reason`, `wasClean`. */
export class CloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  constructor(type: string, options: { code?: number; reason?: string; wasClean?: boolean } = {}) {
    super(type);
    this.code = options.code === undefined ? 0 : options.code;
    this.reason = options.reason === undefined ? '' : options.reason;
    this.wasClean = options.wasClean === undefined ? false : options.wasClean;
  }
}

/** ws's `ErrorEvent`: `error`, `message`. */
export class ErrorEvent extends Event {
  readonly error: unknown;
  readonly message: string;
  constructor(type: string, options: { error?: unknown; message?: string } = {}) {
    super(type);
    this.error = options.error === undefined ? null : options.error;
    this.message = options.message === undefined ? '' : options.message;
  }
}

// A listener takes its own event's type (MessageEvent, CloseEvent...), as in ws's typings.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventListenerLike = ((event: any) => void) | { handleEvent(event: any): void };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wraps a listener of any event
type Wrapper = ((...args: any[]) => void) & { [kListener]?: EventListenerLike; [kForOnEventAttribute]?: boolean };

interface CloseInfo {
  _closeFrameReceived: boolean;
  _closeFrameSent: boolean;
}

function callListener(listener: EventListenerLike, thisArg: unknown, event: Event): void {
  if (typeof listener === 'object' && typeof listener.handleEvent === 'function') listener.handleEvent.call(listener, event);
  else (listener as (event: Event) => void).call(thisArg, event);
}

/** `addEventListener` on an EventEmitter-based WebSocket (ws's semantics, including `{ once }`). */
export function addEventListener(
  target: EventEmitter,
  type: string,
  handler: EventListenerLike,
  options: { once?: boolean; [kForOnEventAttribute]?: boolean } = {},
): void {
  for (const listener of target.listeners(type) as Wrapper[]) {
    if (!options[kForOnEventAttribute] && listener[kListener] === handler && !listener[kForOnEventAttribute]) return;
  }
  let wrapper: Wrapper;
  if (type === 'message') {
    wrapper = function onMessage(this: unknown, data: { toString(): string }, isBinary: boolean) {
      const event = new MessageEvent('message', { data: isBinary ? data : data.toString() });
      event[kTarget] = this;
      callListener(handler, this, event);
    };
  } else if (type === 'close') {
    wrapper = function onClose(this: CloseInfo, code: number, message: Buffer) {
      const event = new CloseEvent('close', {
        code,
        reason: message.toString(),
        wasClean: this._closeFrameReceived && this._closeFrameSent,
      });
      event[kTarget] = this;
      callListener(handler, this, event);
    };
  } else if (type === 'error') {
    wrapper = function onError(this: unknown, error: Error) {
      const event = new ErrorEvent('error', { error, message: error.message });
      event[kTarget] = this;
      callListener(handler, this, event);
    };
  } else if (type === 'open') {
    wrapper = function onOpen(this: unknown) {
      const event = new Event('open');
      event[kTarget] = this;
      callListener(handler, this, event);
    };
  } else {
    return;
  }
  wrapper[kForOnEventAttribute] = !!options[kForOnEventAttribute];
  wrapper[kListener] = handler;
  if (options.once) target.once(type, wrapper);
  else target.on(type, wrapper);
}

export function removeEventListener(target: EventEmitter, type: string, handler: EventListenerLike): void {
  for (const listener of target.listeners(type) as Wrapper[]) {
    if (listener[kListener] === handler && !listener[kForOnEventAttribute]) {
      target.removeListener(type, listener);
      break;
    }
  }
}

/** The handler set through `onxxx`, or null. */
export function getOnAttribute(target: EventEmitter, type: string): EventListenerLike | null {
  for (const listener of target.listeners(type) as Wrapper[]) {
    if (listener[kForOnEventAttribute]) return listener[kListener] ?? null;
  }
  return null;
}

export function setOnAttribute(target: EventEmitter, type: string, handler: unknown): void {
  for (const listener of target.listeners(type) as Wrapper[]) {
    if (listener[kForOnEventAttribute]) {
      target.removeListener(type, listener);
      break;
    }
  }
  if (typeof handler !== 'function') return;
  addEventListener(target, type, handler as EventListenerLike, { [kForOnEventAttribute]: true });
}
