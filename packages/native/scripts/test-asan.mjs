// Builds the addon with AddressSanitizer into build-asan/ (the normal build stays untouched)
// and runs the native test suites against it, with the ASan runtime preloaded into Node.
// Any ASan report aborts the run and fails it.
import { execFileSync, spawnSync } from 'node:child_process';
import { buildInstrumentedAddon, packageFile, root } from './instrumented-build.mjs';

const addon = buildInstrumentedAddon('build-asan', 'address');
const libasan = execFileSync('g++', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
const vitest = packageFile('vitest', 'vitest.mjs');
// pnpm passes its own `--` through (`test:asan -- <files>`): vitest would ignore the files after it.
const files = process.argv.slice(2).filter((arg) => arg !== '--');
const run = spawnSync(process.execPath, [vitest, 'run', ...files], {
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
