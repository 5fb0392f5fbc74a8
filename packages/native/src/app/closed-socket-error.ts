/**
 * The error thrown when a WebSocket or HttpResponse is used after its end: catchable, never a
 * crash of the process.
 */

export class ClosedSocketError extends Error {
  /** Stable code to test for. */
  readonly code = 'ERR_UWS_CLOSED';

  constructor(message: string) {
    super(message);
    this.name = 'ClosedSocketError';
  }
}
