import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  clean: true,
  // import.meta.url in the CommonJS build (Primus's files are loaded with createRequire).
  shims: true,
});
