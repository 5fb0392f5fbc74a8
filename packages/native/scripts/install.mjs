// The package's install step. Linux: node-gyp-build loads the prebuilt binary shipped in
// prebuilds/ when it fits this machine, else builds from src/cpp (python3, make, a C++17
// compiler). Where neither works, and on other systems, the install still succeeds: transport
// 'auto' then runs on node:net and says so once at run time.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const NAME = '@uws/native';
if (process.platform !== 'linux') {
  console.log(`${NAME}: the epoll transport is Linux-only; on ${process.platform} transport 'auto' uses node:net`);
  process.exit(0);
}
const bin = createRequire(import.meta.url).resolve('node-gyp-build/bin.js');
const result = spawnSync(process.execPath, [bin], { stdio: 'inherit' });
if (result.status !== 0) {
  console.warn(`${NAME}: no prebuilt binary fits this machine and the source build failed (it needs python3, make and a C++17 compiler); transport 'auto' will use node:net`);
}
