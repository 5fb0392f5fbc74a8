/**
 * The views received messages are handed out in. A message handler of the App may use its
 * message only during the call, so the epoll transport copies a small message into a scratch
 * area of its receive buffer (`copyWithin`: no allocation) and hands out a view of that area
 * kept per length: after warm-up no view is allocated per message. Larger messages get a fresh
 * view of the bytes where they are (one small object, against a payload past the copy's break-even).
 */
export interface MessageViews {
  /** A view of `bytes[start, end)` (or of a copy of it), valid until the next call. */
  viewOf(bytes: Uint8Array, start: number, end: number): Uint8Array;
}

/** A fresh view per message: for transports whose reads land in buffers of their own. */
export const FRESH_MESSAGE_VIEWS: MessageViews = {
  viewOf: (bytes, start, end) => bytes.subarray(start, end),
};

/** Views over the scratch area at `arena[scratchStart, scratchStart + scratchBytes)`. */
export class ScratchMessageViews implements MessageViews {
  private readonly arena: Uint8Array;
  private readonly scratchStart: number;
  private readonly scratchBytes: number;
  /** The view of each length, made on first use (at most scratchBytes + 1 of them). */
  private readonly views: (Uint8Array | undefined)[];

  constructor(arena: Uint8Array, scratchStart: number, scratchBytes: number) {
    this.arena = arena;
    this.scratchStart = scratchStart;
    this.scratchBytes = scratchBytes;
    this.views = new Array<Uint8Array | undefined>(scratchBytes + 1).fill(undefined);
  }

  viewOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
    const length = end - start;
    // Only bytes of the receive arena itself can be copied without a view of the source.
    if (bytes !== this.arena || length > this.scratchBytes) return new Uint8Array(bytes.buffer, bytes.byteOffset + start, length);
    this.arena.copyWithin(this.scratchStart, start, end);
    let view = this.views[length];
    if (view === undefined) this.views[length] = view = new Uint8Array(this.arena.buffer, this.scratchStart, length);
    return view;
  }
}
