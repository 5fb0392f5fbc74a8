/** socket.io-client 2 (Engine.IO v3), installed under an alias; it ships no types. */
declare module 'socket.io-client-v2' {
  import type { Socket } from 'socket.io-client';
  const io: (url: string, options?: Record<string, unknown>) => Socket;
  export default io;
}
