/**
 * What happens when a user's handler throws: the server finishes what it was doing (so its
 * state stays consistent), then the error surfaces as an uncaught exception, exactly as an
 * error thrown from an EventEmitter listener would.
 */

/** Re-throws `error` on the next tick. */
export function reportHandlerError(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}
