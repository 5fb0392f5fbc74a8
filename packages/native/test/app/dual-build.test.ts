import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isBuilt } from '../support/built-package.js';
import { transportKinds } from '../support/transports.js';

// The CommonJS and ESM builds loaded in one process share the thread's native loop (the addon
// can be initialised once per thread); the fixture uses the built package.
// transports.ts fails on Linux when the addon does not load; elsewhere epoll is not expected.
const runs = transportKinds.includes('epoll') && isBuilt('dual-build.test', ['index.js', 'index.cjs']);

describe.skipIf(!runs)('CommonJS and ESM builds in one process', () => {
  it('both run Apps and Clients on the one native loop', () => {
    const script = new URL('../fixtures/dual-build.cjs', import.meta.url).pathname;
    const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 20_000 });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('ok to-cjs to-esm');
    expect(child.status).toBe(0);
  });
});
