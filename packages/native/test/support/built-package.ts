/**
 * Whether this package's build (dist/) is there, for suites that run it where TypeScript
 * cannot go (a child process, a worker thread). `pnpm test` builds first (turbo), so under
 * `CI=true` a missing build fails the suite instead of letting it go green unrun; elsewhere the
 * suite is skipped with a warning that says why and what to run.
 */
import { existsSync } from 'node:fs';

/** True when every `files` of dist/ exists; otherwise throws under CI, or warns and returns false. */
export function isBuilt(suite: string, files: readonly string[] = ['index.js']): boolean {
  const missing = files.filter((file) => !existsSync(new URL(`../../dist/${file}`, import.meta.url)));
  if (missing.length === 0) return true;
  const reason = `${suite}: @uws/native is not built (${missing.map((f) => `dist/${f}`).join(', ')} missing; run \`pnpm --filter @uws/native build\`)`;
  if (process.env.CI === 'true') throw new Error(reason);
  console.warn(`${reason}: skipped`);
  return false;
}
