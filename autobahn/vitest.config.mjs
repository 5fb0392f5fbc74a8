import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.mjs'],
    // The conformance runs are whole-catalogue runs against real servers and clients.
    testTimeout: 600_000,
    hookTimeout: 60_000,
    // One file at a time: the 9.x cases push megabytes through 1 s close-handshake windows,
    // and a server run and a client run side by side on 2 cores can miss them.
    fileParallelism: false,
  },
});
