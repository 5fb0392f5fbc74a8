import { defineConfig } from 'tsup';

const common = {
  dts: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
} as const;

export default defineConfig([
  // ESM: named exports plus the default WebSocket.
  { ...common, entry: { index: 'src/index.ts' }, format: ['esm'], clean: true },
  // CJS: module.exports is the WebSocket class with its statics, like require('ws').
  {
    ...common,
    entry: { index: 'src/cjs.ts' },
    format: ['cjs'],
    cjsInterop: true,
    footer: { js: 'module.exports = module.exports.default;' },
  },
]);
