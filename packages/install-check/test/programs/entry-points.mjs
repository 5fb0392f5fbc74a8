// Loads each package named on the command line through its ESM and its CommonJS entry point.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.cwd(), 'package.json'));
for (const name of process.argv.slice(2)) {
  await import(name);
  const cjs = require(name);
  if (typeof cjs !== 'object' && typeof cjs !== 'function') throw new Error(`${name}: require gave ${typeof cjs}`);
  console.log(`${name} esm+cjs`);
}
