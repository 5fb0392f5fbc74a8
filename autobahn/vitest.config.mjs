import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.mjs'],
    // Conformance runs are catalogue runs against real servers and clients: minutes, not a
    // speed assertion (a busy machine only makes them slower).
    testTimeout: 1_800_000,
    hookTimeout: 60_000,
    // One file at a time: 9.x pushes megabytes through 1 s close-handshake windows, and a
    // compression run beside it on 2 cores can make it miss one. Inside a file, the
    // compression runs go two at a time (describe.concurrent), which keeps both cores busy.
    fileParallelism: false,
    maxConcurrency: 2,
  },
});
