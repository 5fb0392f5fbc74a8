/**
 * The rule every test of the workspace follows for a real service it starts: under CI=true a
 * missing service fails the tests (never a skip); elsewhere they skip with a loud reason.
 */

/** True when `env.CI === 'true'` (defaults to `process.env`). */
export declare function inCI(env?: NodeJS.ProcessEnv): boolean;

/** The executable `name` in one of the directories of `searchPath` (default `process.env.PATH`), or undefined. */
export declare function findOnPath(name: string, searchPath?: string): string | undefined;

/** True when `file` exists and may be executed by this process. */
export declare function isExecutable(file: string): boolean;

export interface SkipReasonInput {
  /** Names the skipped tests in the warning, e.g. "the Redis tests of @uws/redis". */
  suite: string;
  /** What is missing ("redis-server is not on PATH"), or undefined when the service is there. */
  missing: string | undefined;
  /** How to install it, e.g. "apt-get install redis-server". */
  install: string;
  /** Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Why the suite cannot run here (also printed by console.warn), or undefined when it runs: the
 * service is there, or CI=true (then the suite runs and its start throws `missingServiceError`).
 * Pass the result to `describe.skipIf`.
 */
export declare function skipReason(input: SkipReasonInput): string | undefined;

/** The error a start throws when its service is missing: what, how to install it, and why CI fails. */
export declare function missingServiceError(missing: string, install: string, env?: NodeJS.ProcessEnv): Error;
