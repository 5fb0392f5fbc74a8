import { defineConfig } from 'tsup';

const common = {
  dts: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
} as const;

// No `clean`: the two builds run in parallel into one folder, and a clean in one could remove the other's output.
export default defineConfig([
  // ESM: named exports plus the default WebSocket.
  { ...common, entry: { index: 'src/index.ts' }, format: ['esm'] },
  // CJS: module.exports is the WebSocket class with its statics, like require('ws').
  {
    ...common,
    entry: { index: 'src/cjs.ts' },
    format: ['cjs'],
    cjsInterop: true,
    footer: { js: 'module.exports = module.exports.default;' },
  },
]);
