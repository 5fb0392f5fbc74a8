/**
 * The packages under test and their npm tarballs, made the way a release makes them
 * (`pnpm pack`: workspace versions written out, `prepack` run, so @uws/native carries its
 * prebuilt addon).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

/** Every workspace package this package depends on: each is packed and checked. */
export const PACKAGES = Object.entries(own.devDependencies)
  .filter(([, spec]) => String(spec).startsWith('workspace:'))
  .map(([name]) => name);

/** The folder of a workspace package (resolved through this package's node_modules). */
export function packageDir(name) {
  return dirname(require.resolve(`${name}/package.json`));
}

/**
 * Packs each package into `dest`.
 * @returns {Record<string, string>} package name → tarball path
 */
export function packAll(dest) {
  /** @type {Record<string, string>} */
  const tarballs = {};
  for (const name of PACKAGES) {
    const out = execFileSync('npx', ['--yes', 'pnpm@10.34.8', 'pack', '--pack-destination', dest], {
      cwd: packageDir(name),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const file = out.trim().split('\n').reverse().find((line) => line.endsWith('.tgz'));
    if (file === undefined) throw new Error(`pnpm pack printed no tarball for ${name}:\n${out}`);
    tarballs[name] = file.startsWith('/') ? file : join(dest, file);
  }
  return tarballs;
}
