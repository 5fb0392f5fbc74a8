/**
 * A user's fresh project: its own folder, `npm install` of tarballs, and programs run with a
 * PATH that holds node, npm and sh only (no cc, c++, g++, make or python3: nothing can compile).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A bin folder with only node, npm, npx and sh (npm runs install scripts through sh), for a
 * compiler-free PATH.
 * @param {string} dir
 */
export function makeBareBin(dir) {
  mkdirSync(dir, { recursive: true });
  const npm = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  symlinkSync(process.execPath, join(dir, 'node'));
  symlinkSync(npm, join(dir, 'npm'));
  symlinkSync(join(npm, '..', 'npx-cli.js'), join(dir, 'npx'));
  symlinkSync('/bin/sh', join(dir, 'sh'));
  return dir;
}

/** Tools that could build a native addon; none may be found on the bare PATH. */
export const COMPILER_TOOLS = ['cc', 'gcc', 'c++', 'g++', 'clang', 'make', 'python3', 'python'];

export class UserProject {
  /**
   * @param {string} dir the project folder (created)
   * @param {string} bin a bin folder from {@link makeBareBin}
   */
  constructor(dir, bin) {
    this.dir = dir;
    // Only what a user's shell would have: no npm_* / pnpm variables from the test runner, no
    // PYTHON for node-gyp.
    this.env = { PATH: bin, HOME: process.env.HOME ?? dir, TMPDIR: process.env.TMPDIR ?? '/tmp', npm_config_update_notifier: 'false' };
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'a-user-project', version: '1.0.0', private: true }, null, 2));
  }

  /** Which of {@link COMPILER_TOOLS} this project's PATH finds (should be none). */
  compilersOnPath() {
    const out = spawnSync('/bin/sh', ['-c', COMPILER_TOOLS.map((t) => `command -v ${t}`).join('; ')], { env: this.env, encoding: 'utf8' });
    return out.stdout.split('\n').filter(Boolean);
  }

  /**
   * `npm install` of these specs (tarball paths, registry names).
   * @param {string[]} specs
   * @param {string[]} [flags]
   */
  install(specs, flags = []) {
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...flags, ...specs], {
      cwd: this.dir, env: this.env, encoding: 'utf8', timeout: 180_000,
    });
    if (r.status !== 0) throw new Error(`npm install failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    return `${r.stdout}\n${r.stderr}`;
  }

  /**
   * Copies a program from test/programs and runs it with node.
   * @param {string} file
   * @param {string[]} [args]
   */
  run(file, args = []) {
    copyFileSync(new URL(`../programs/${file}`, import.meta.url), join(this.dir, file));
    const r = spawnSync('node', [file, ...args], { cwd: this.dir, env: this.env, encoding: 'utf8', timeout: 20_000 });
    return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
  }

  /** Every package folder under node_modules (scoped ones as `@scope/name`), sorted. */
  installedPackages() {
    const root = join(this.dir, 'node_modules');
    const names = [];
    const walk = (dir, prefix) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
        if (entry.name.startsWith('@')) walk(join(dir, entry.name), `${entry.name}/`);
        else {
          names.push(prefix + entry.name);
          try {
            walk(join(dir, entry.name, 'node_modules'), ''); // nested copies count too
          } catch {
            // no nested node_modules
          }
        }
      }
    };
    walk(root, '');
    return names.sort();
  }
}
