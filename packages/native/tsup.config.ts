import { defineConfig } from 'tsup';

const common = {
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  // import.meta.url locates the addon from the CommonJS build too.
  shims: true,
} as const;

// No `clean`: the two builds run in parallel into one folder, and a clean in one could remove the other's output.
export default defineConfig([
  { ...common, entry: ['src/index.ts'], format: ['esm', 'cjs'], dts: true },
  // A worker pool thread's entry, loaded by URL (dist/pool-worker.js): ESM only, and it imports
  // the package itself so that it shares App and ThreadBroker with the user's module.
  { ...common, entry: { 'pool-worker': 'src/pool/pool-worker.ts' }, format: ['esm'], external: ['@uws/native'] },
]);
