/**
 * The rule every test of the workspace follows for a real service it starts (redis-server,
 * chromium): under CI=true a missing service is never a skip, the tests run and fail with an
 * error that says what to install; elsewhere they are skipped with a loud reason.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** True when the environment says CI (`CI=true`): a missing service then fails the tests. */
export function inCI(env = process.env) {
  return env.CI === 'true';
}

/**
 * The executable `name` on PATH, or undefined.
 * @param {string} name
 * @param {string | undefined} [searchPath] defaults to `process.env.PATH`
 * @returns {string | undefined}
 */
export function findOnPath(name, searchPath = process.env.PATH) {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * @param {string} file
 * @returns {boolean}
 */
export function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why `suite` cannot run here, or undefined when it runs (the service is there, or CI=true: then
 * the suite runs and its start fails with `missingServiceError`). A reason is also printed with
 * console.warn, so a skip is never silent.
 * @param {{ suite: string, missing: string | undefined, install: string, env?: NodeJS.ProcessEnv }} what
 *   `missing`: what is missing (e.g. "redis-server is not on PATH"), undefined when nothing is.
 * @returns {string | undefined}
 */
export function skipReason({ suite, missing, install, env = process.env }) {
  if (missing === undefined || inCI(env)) return undefined;
  const reason = `SKIPPING ${suite}: ${missing} (install it: ${install})`;
  console.warn(`\n*** ${reason} ***\n`);
  return reason;
}

/**
 * The error a start throws when its service is missing.
 * @param {string} missing what is missing
 * @param {string} install how to install it
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Error}
 */
export function missingServiceError(missing, install, env = process.env) {
  const why = inCI(env) ? ', and CI=true: a missing service fails the tests, it never skips them' : '';
  return new Error(`${missing}${why} (install it: ${install})`);
}
