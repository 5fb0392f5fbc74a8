// Builds the addon with AddressSanitizer into build-asan/ (the normal build stays untouched)
// and runs the native test suites against it, with the ASan runtime preloaded into Node.
// Any ASan report aborts the run and fails it.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const work = join(root, 'build-asan');
rmSync(work, { recursive: true, force: true });
mkdirSync(join(work, 'src'), { recursive: true });
cpSync(join(root, 'binding.gyp'), join(work, 'binding.gyp'));
cpSync(join(root, 'src', 'cpp'), join(work, 'src', 'cpp'), { recursive: true });

const require = createRequire(import.meta.url);
const nodeGyp = join(dirname(require.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js');
execFileSync(process.execPath, [nodeGyp, 'rebuild'], {
  cwd: work,
  stdio: 'inherit',
  env: { ...process.env, UWS_SANITIZE: 'address' },
});
const addon = join(work, 'build', 'Release', 'uws_native.node');
if (!existsSync(addon)) throw new Error('the ASan build produced no addon');

const libasan = execFileSync('g++', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    UWS_NATIVE_ADDON: addon,
    LD_PRELOAD: libasan,
    // Node itself is not built for LeakSanitizer; memory errors abort the process.
    ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1',
  },
});
process.exit(run.status ?? 1);
