/**
 * A server in a child process (a node script of the test's own): spawned, then ready once its
 * stdout announces `port <n>`.
 */
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface ChildServer {
  /** The node process (stdout piped, stderr inherited). */
  child: ChildProcessByStdio<null, Readable, null>;
  /** The port it announced. */
  port: number;
  /** Everything it printed on stdout so far. */
  output: () => string;
}

/**
 * Runs `node script ...args` and resolves once its stdout says `port <n>`; rejects (and kills it)
 * when it exits first or stays silent for `options.timeout` ms (default 10 000).
 */
export declare function startChildServer(script: string, args?: string[], options?: { timeout?: number }): Promise<ChildServer>;
