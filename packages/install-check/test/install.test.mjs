import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PACKAGES, packAll } from './support/tarballs.mjs';
import { COMPILER_TOOLS, UserProject, makeBareBin } from './support/user-project.mjs';

const require = createRequire(import.meta.url);
const execFileAsync = promisify(execFile);
const WS_CLIENT = 'ws@8.23.0'; // the real ws, as the users' client
const NODE_NET_NOTICE = /^@uws\/native: transport 'auto' runs on node:net \(/;

describe('the packages installed from their tarballs, with no compiler on PATH', () => {
  const work = mkdtempSync(join(tmpdir(), 'uws-install-'));
  let tarballs = /** @type {Record<string, string>} */ ({});
  let bin = '';
  let failed = false;

  beforeAll(() => {
    tarballs = packAll(join(work, 'tarballs'));
    bin = makeBareBin(join(work, 'bin'));
  }, 240_000);
  beforeEach(({ onTestFailed }) => onTestFailed(() => (failed = true)));
  afterAll(() => {
    if (failed) console.error(`install check failed; projects kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  });

  it('packs every package, and the native tarball carries the linux-x64 glibc prebuild', () => {
    expect(Object.keys(tarballs).sort()).toEqual([...PACKAGES].sort());
    const list = execFileSync('tar', ['tzf', tarballs['@uws/native']], { encoding: 'utf8' }).split('\n');
    expect(list).toContain('package/prebuilds/linux-x64/@uws+native.napi.glibc.node');
    expect(list).toContain('package/scripts/install.mjs');
    expect(list.filter((f) => f.startsWith('package/build/'))).toEqual([]);
  });

  it('has exports that publint and arethetypeswrong find no problem with (ESM, CJS, types)', async () => {
    const attw = join(require.resolve('@arethetypeswrong/cli/package.json'), '..', 'dist', 'index.js');
    // attw runs as a CLI (as a user would run it), one process per tarball, side by side.
    const reports = await Promise.all(Object.values(tarballs).map((file) =>
      execFileAsync(process.execPath, [attw, file, '--format', 'json'], { encoding: 'utf8', timeout: 90_000 })
        .catch((err) => err) // attw exits 1 when it finds problems; the JSON says which
        .then(({ stdout }) => JSON.parse(stdout))));
    for (const [i, [name, file]] of Object.entries(tarballs).entries()) {
      const bytes = readFileSync(file);
      const lint = await publint({ pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }, level: 'suggestion' });
      expect(lint.messages.map((m) => `${name}: ${m.type}: ${formatMessage(m, lint.pkg)}`)).toEqual([]);
      const report = reports[i];
      expect(report.analysis.types, `${name} has types`).not.toBe(false);
      expect(report.problems, `${name}: attw problems`).toEqual({});
      // Every entry point resolves in node10, node16 (CJS and ESM) and bundler modes.
      for (const entry of Object.values(report.analysis.entrypoints)) {
        for (const [mode, res] of Object.entries(entry.resolutions)) {
          expect(res.resolution?.fileName, `${name} ${entry.subpath} in ${mode}`).toBeTruthy();
        }
      }
    }
  }, 120_000);

  describe('a project with every package and the ws client', () => {
    let project;
    beforeAll(() => {
      project = new UserProject(join(work, 'full'), bin);
      project.install([...Object.values(tarballs), WS_CLIENT]);
    }, 240_000);

    it('has no compiler on its PATH, and @uws/native installed without building', () => {
      expect(project.compilersOnPath()).toEqual([]);
      const native = join(project.dir, 'node_modules', '@uws', 'native');
      expect(existsSync(join(native, 'prebuilds', 'linux-x64', '@uws+native.napi.glibc.node'))).toBe(true);
      expect(existsSync(join(native, 'build'))).toBe(false);
    });

    it('loads every package through its ESM and its CommonJS entry point', () => {
      const names = Object.keys(tarballs).sort();
      expect(project.run('entry-points.mjs', names)).toEqual({ status: 0, stdout: names.map((n) => `${n} esm+cjs`).join('\n'), stderr: '' });
    });

    it('runs the codec alone, from ESM and from CommonJS', () => {
      expect(project.run('codec.mjs')).toEqual({ status: 0, stdout: 'codec esm ok', stderr: '' });
      expect(project.run('codec.cjs')).toEqual({ status: 0, stdout: 'codec cjs ok', stderr: '' });
    });

    it("runs the App's echo on the prebuilt epoll transport, silently", () => {
      expect(project.run('app-echo.mjs')).toEqual({ status: 0, stdout: 'app echo text:text binary:0,255 epoll=true', stderr: '' });
    });

    it("runs ws-compat's echo with a real ws client, from ESM and from CommonJS", () => {
      expect(project.run('ws-compat-echo.mjs')).toEqual({ status: 0, stdout: 'ws-compat esm echo from ws', stderr: '' });
      expect(project.run('ws-compat-echo.cjs')).toEqual({ status: 0, stdout: 'ws-compat cjs echo from ws true', stderr: '' });
    });
  });

  it('gives a user who installs only ws-compat its dependencies and nothing else', () => {
    const project = new UserProject(join(work, 'ws-compat-only'), bin);
    // @uws/native and @uws/protocol are not on a registry yet: their tarballs stand in for the
    // registry copies npm would fetch as ws-compat's dependencies.
    project.install([tarballs['@uws/ws-compat'], tarballs['@uws/native'], tarballs['@uws/protocol']]);
    const pkg = JSON.parse(readFileSync(join(project.dir, 'node_modules', '@uws', 'ws-compat', 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@uws/native', '@uws/protocol']);
    expect(project.installedPackages()).toEqual([
      '@uws/native', '@uws/protocol', '@uws/ws-compat',
      'node-addon-api', // @uws/native's source-build fallback
      'node-gyp-build', // @uws/native's loader
    ]);
  }, 240_000);

  it('without the prebuild and without a compiler: installs anyway, and the App runs on node:net with one notice', () => {
    // The same tarball minus prebuilds/, as a platform with no prebuild sees it.
    const unpacked = join(work, 'no-prebuild');
    mkdirSync(unpacked, { recursive: true });
    execFileSync('tar', ['xzf', tarballs['@uws/native'], '-C', unpacked]);
    rmSync(join(unpacked, 'package', 'prebuilds'), { recursive: true });
    const stripped = join(work, 'uws-native-no-prebuild.tgz');
    execFileSync('tar', ['czf', stripped, '-C', unpacked, 'package']);

    const project = new UserProject(join(work, 'fallback'), bin);
    const log = project.install([stripped, tarballs['@uws/protocol']], ['--foreground-scripts']);
    expect(log).toContain("@uws/native: no prebuilt binary fits this machine and the source build failed (it needs python3, make and a C++17 compiler); transport 'auto' will use node:net");
    const run = project.run('app-echo-native-client.mjs');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('app echo round trip epoll=false');
    expect(run.stderr.split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(NODE_NET_NOTICE);
  }, 240_000);
});

it('knows which tools would compile', () => {
  // Guards the guard: on this machine's own PATH a compiler is found (the workspace built the
  // addon), so an empty answer on the bare PATH means something.
  expect(COMPILER_TOOLS).toContain('c++');
  expect(spawnSync('/bin/sh', ['-c', 'command -v c++ || command -v g++'], { encoding: 'utf8' }).stdout.trim()).not.toBe('');
});
