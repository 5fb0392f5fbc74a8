/**
 * What happens when a user's callback throws inside our code (an App handler, a ws listener,
 * a send callback, an SNI callback): we finish what we were doing, so our state stays
 * consistent and the rest of a batch still gets its events, then the error surfaces as an
 * uncaught exception, exactly as an error thrown from an EventEmitter listener would.
 */

/** Throws `error` again on the next tick, outside the caller's stack. */
export function rethrowOnNextTick(error: unknown): void {
  process.nextTick(rethrow, error);
}

function rethrow(error: unknown): never {
  throw error;
}
