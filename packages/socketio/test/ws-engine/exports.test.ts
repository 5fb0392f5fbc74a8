/**
 * The built package as users load it: ESM and CommonJS entry points give the same wsEngine
 * face (the suites import the sources; this one the dist that `npm publish` ships).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
/** Paths held in variables: the dist exists only after a build (turbo builds before testing). */
const ESM_ENTRY = '../../dist/index.js';
const CJS_ENTRY = '../../dist/index.cjs';

describe('@uws/socketio entry points', () => {
  it('exports UwsEngine, createUwsEngine, UwsEngineSocket and Sender from ESM and CommonJS', async () => {
    // Typed as the sources they are built from.
    const esm = (await import(ESM_ENTRY)) as typeof import('../../src/index.js');
    const cjs = require(CJS_ENTRY) as typeof import('../../src/index.js');
    for (const mod of [esm, cjs]) {
      expect(typeof mod.UwsEngine).toBe('function');
      expect(typeof mod.createUwsEngine).toBe('function');
      expect(typeof mod.UwsEngineSocket).toBe('function');
      expect(typeof mod.Sender.frame).toBe('function');
      expect(mod.UwsEngine.Sender).toBe(mod.Sender);
      const Configured = mod.createUwsEngine({ transport: 'node' });
      const engine = new Configured({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: 1000 });
      expect(engine).toBeInstanceOf(mod.UwsEngine);
      expect(engine.options).toMatchObject({ noServer: true, transport: 'node', maxPayload: 1000, clientTracking: false });
      expect(engine.options.WebSocket).toBe(mod.UwsEngineSocket);
    }
  });
});
