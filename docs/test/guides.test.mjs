import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runnableBlocks } from './runnable-blocks.mjs';
import { hasRedisServer, startRedisServer } from './redis-server.mjs';

const docs = fileURLToPath(new URL('..', import.meta.url));
// Inside docs/ so the samples' imports resolve from docs/node_modules as a user's would.
const scratch = join(docs, '.runnable');
const guides = readdirSync(docs).filter((f) => f.endsWith('.md') && f !== 'README.md').sort();

/**
 * The services a sample may require (`requires=NAME` on its fence): whether this machine has
 * it, and how to start one for a run (it gives the sample its env). Under CI=true a missing
 * service fails the sample; elsewhere the sample is skipped with a loud reason.
 */
const services = {
  'redis-server': {
    available: hasRedisServer,
    install: 'Debian: apt-get install redis-server',
    async start() {
      const redis = await startRedisServer();
      return { env: { REDIS_URL: redis.url }, stop: () => redis.stop() };
    },
  },
};

function missingServices(block) {
  return block.requires.filter((name) => !services[name]?.available());
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it('finds the guides', () => {
  expect(guides).toEqual(['from-node-lws.md', 'from-socketio.md', 'from-uwebsockets-js.md', 'from-ws.md', 'scale-out.md']);
});

describe.each(guides)('%s', (guide) => {
  const blocks = runnableBlocks(readFileSync(join(docs, guide), 'utf8'));

  it('has runnable samples', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it('requires only services the test can start', () => {
    for (const block of blocks) for (const name of block.requires) expect(Object.keys(services)).toContain(name);
  });

  for (const block of blocks) {
    const missing = missingServices(block);
    const skip = missing.length > 0 && process.env.CI !== 'true';
    if (skip) {
      console.warn(`\n*** ${guide}, sample at line ${block.line}: SKIPPED, ${missing.join(', ')} not installed (${missing.map((m) => services[m]?.install).join('; ')}); under CI=true it fails ***\n`);
    }
    const title = `the sample at line ${block.line}${block.requires.length ? ` (requires ${block.requires.join(', ')})` : ''} runs, exits 0 and writes no error`;
    it.skipIf(skip)(title, async () => {
      expect(missing, `${guide}:${block.line} needs ${missing.join(', ')}: install it (${missing.map((m) => services[m]?.install).join('; ')})`).toEqual([]);
      mkdirSync(scratch, { recursive: true });
      const file = join(scratch, `${guide.replace(/\.md$/, '')}-${block.line}.${block.kind === 'cjs' ? 'cjs' : 'mjs'}`);
      writeFileSync(file, block.code);
      const started = [];
      try {
        const env = { ...process.env };
        for (const name of block.requires) {
          const service = await services[name].start();
          started.push(service);
          Object.assign(env, service.env);
        }
        const r = spawnSync(process.execPath, [file], { cwd: docs, env, encoding: 'utf8', timeout: 20_000 });
        expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
      } finally {
        for (const service of started) await service.stop();
      }
    });
  }
});
