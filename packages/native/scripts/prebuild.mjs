// Puts the addon into prebuilds/<platform>-<arch>/ under node-gyp-build's naming, for the npm
// package: `pnpm pack` and `pnpm publish` run this as `prepack`, so a tarball always carries a
// binary built from its own src/cpp. It is N-API (NAPI_VERSION in binding.gyp, ≤ 9: one binary
// for every Node ≥ 20) and tagged with this machine's libc, so node-gyp-build picks it only on
// a matching system (linux-x64 + glibc here) and builds from source elsewhere.
// Not committed to git: the C++ changes often and a stale binary would shadow the source build.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageFile, root } from './instrumented-build.mjs';

const built = join(root, 'build', 'Release', 'uws_native.node');
const inputs = [join(root, 'binding.gyp'), ...readdirSync(join(root, 'src', 'cpp')).map((f) => join(root, 'src', 'cpp', f))];
const newestInput = Math.max(...inputs.map((f) => statSync(f).mtimeMs));

if (process.platform !== 'linux') throw new Error(`prebuilds are made on Linux (this is ${process.platform})`);
// Node 20 implements Node-API 9: a binary asking for more would not load there.
const napi = Number(/NAPI_VERSION=(\d+)/.exec(readFileSync(join(root, 'binding.gyp'), 'utf8'))?.[1]);
if (!(napi >= 1 && napi <= 9)) throw new Error(`binding.gyp must define NAPI_VERSION between 1 and 9 (Node 20 has 9), not ${napi}`);
if (process.env.UWS_SANITIZE) throw new Error('UWS_SANITIZE is set: a sanitizer build must not be shipped');
// Reuse the install-time build when it is newer than every source; else rebuild.
if (!existsSync(built) || statSync(built).mtimeMs < newestInput) {
  execFileSync(process.execPath, [packageFile('node-gyp', join('bin', 'node-gyp.js')), 'rebuild'], { cwd: root, stdio: 'inherit' });
}
const libc = process.report?.getReport?.().header?.glibcVersionRuntime ? 'glibc' : 'musl';
const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const out = join(dir, `@uws+native.napi.${libc}.node`);
copyFileSync(built, out);
try {
  execFileSync('strip', ['--strip-unneeded', out]); // symbols are for debugging here, not for users
} catch {
  console.warn('prebuild: strip not found; the binary ships with its symbols');
}
console.log(`prebuild: ${out} (${statSync(out).size} bytes)`);
