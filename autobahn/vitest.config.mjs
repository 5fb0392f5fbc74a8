import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.mjs'],
    // The conformance runs are whole-catalogue runs against real servers.
    testTimeout: 600_000,
    hookTimeout: 60_000,
  },
});
