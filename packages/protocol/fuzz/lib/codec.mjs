// The codec under test is the package's own build (dist/index.js), imported after coverage is
// switched on so that V8 reports its blocks. A dist older than src/ is rebuilt first, so a
// by-hand run never fuzzes stale code.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const distFile = join(packageDir, 'dist', 'index.js');
export const codecUrl = pathToFileURL(distFile).href;

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ with the package's own build (tsup) when it is missing or older than src/. */
export function ensureBuilt() {
  if (existsSync(distFile) && statSync(distFile).mtimeMs >= newestMtime(join(packageDir, 'src'))) return;
  console.log('fuzz: dist/ is missing or older than src/: building');
  execFileSync(join(packageDir, 'node_modules', '.bin', 'tsup'), [], { cwd: packageDir, stdio: 'inherit' });
}

/** Imports the built codec (after coverage was started). */
export function loadCodec() {
  return import(codecUrl);
}
