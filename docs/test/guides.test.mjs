import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runnableBlocks } from './runnable-blocks.mjs';

const docs = fileURLToPath(new URL('..', import.meta.url));
// Inside docs/ so the samples' imports resolve from docs/node_modules as a user's would.
const scratch = join(docs, '.runnable');
const guides = readdirSync(docs).filter((f) => f.startsWith('from-') && f.endsWith('.md')).sort();

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it('finds the guides', () => {
  expect(guides).toEqual(['from-node-lws.md', 'from-uwebsockets-js.md', 'from-ws.md']);
});

describe.each(guides)('%s', (guide) => {
  const blocks = runnableBlocks(readFileSync(join(docs, guide), 'utf8'));

  it('has runnable samples', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it.each(blocks.map((b) => [b.line, b]))('the sample at line %i runs, exits 0 and writes no error', (line, block) => {
    mkdirSync(scratch, { recursive: true });
    const file = join(scratch, `${guide.replace(/\.md$/, '')}-${line}.${block.kind === 'cjs' ? 'cjs' : 'mjs'}`);
    writeFileSync(file, block.code);
    const r = spawnSync(process.execPath, [file], { cwd: docs, encoding: 'utf8', timeout: 20_000 });
    expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  });
});
