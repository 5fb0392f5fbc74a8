/**
 * The send arena lent to the codec (`TransportBatch#sendBufferFor`): the codec writes a whole
 * frame into the arena and commits it behind one command for the socket the buffer is aimed
 * at, so a message costs one copy and no frame objects, and the transport never knows what a
 * frame is. One object per transport, re-aimed for each socket: nothing is allocated per send.
 */
import type { NativeLoop } from './native-loop.js';
import type { SendBuffer } from './transport.js';

export class ArenaSendBuffer implements SendBuffer {
  readonly bytes: Uint8Array;
  /** The socket commits go to: set by the transport before it lends the buffer. */
  slot = 0;
  gen = 0;
  private readonly loop: NativeLoop;

  constructor(loop: NativeLoop) {
    this.loop = loop;
    this.bytes = loop.sendBytes;
  }

  get clear(): boolean {
    return this.loop.buffered[this.slot] === 0;
  }

  get generation(): number {
    return this.loop.arenaEpoch;
  }

  reserve(length: number): number {
    return this.loop.reserve(length);
  }

  commit(length: number): void {
    this.loop.commit(this.slot, this.gen, length);
  }

  recommit(offset: number, length: number, generation: number): boolean {
    return this.loop.recommit(this.slot, this.gen, offset, length, generation);
  }
}
