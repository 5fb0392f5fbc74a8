// Builds the addon with a sanitizer or debug setting (UWS_SANITIZE, read by binding.gyp) into a
// directory of its own, so the normal build under build/ stays untouched.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (where binding.gyp is). */
export const root = dirname(dirname(fileURLToPath(import.meta.url)));

const require = createRequire(import.meta.url);

/** Path of a dependency's file, e.g. `packageFile('vitest', 'vitest.mjs')`. */
export function packageFile(name, file) {
  return join(dirname(require.resolve(`${name}/package.json`)), file);
}

/**
 * Rebuilds the addon from src/cpp into `<root>/<dir>` with UWS_SANITIZE=`sanitize` and returns
 * the path of the .node file. Throws when the build fails or makes no addon.
 */
export function buildInstrumentedAddon(dir, sanitize) {
  const work = join(root, dir);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'src'), { recursive: true });
  cpSync(join(root, 'binding.gyp'), join(work, 'binding.gyp'));
  cpSync(join(root, 'src', 'cpp'), join(work, 'src', 'cpp'), { recursive: true });
  execFileSync(process.execPath, [packageFile('node-gyp', join('bin', 'node-gyp.js')), 'rebuild'], {
    cwd: work,
    stdio: 'inherit',
    env: { ...process.env, UWS_SANITIZE: sanitize },
  });
  const addon = join(work, 'build', 'Release', 'uws_native.node');
  if (!existsSync(addon)) throw new Error(`the ${sanitize} build produced no addon`);
  return addon;
}
