// Runs the integration test that socketcluster-server ships in its npm package with its own
// runner (mocha): the file as published (wsEngine 'ws'), then copies generated here at test time
// whose engine constant is ours, in the two forms socketcluster-server accepts:
//   wsEngine: '@uws/ws-compat'            the module name, resolved by socketcluster-server's
//                                         require (NODE_PATH stands in for a flat node_modules:
//                                         pnpm does not put our package where theirs can see it)
//   wsEngine: require('@uws/ws-compat')   the module object (anything with a .Server)
// Each of ours must pass every test that passes with ws (so the same count when ws passes them
// all, as it does on a quiet machine); a test that ws fails even on its reruns is reported.
//
// The copies are written to a temporary folder, never into the repository; their relative
// requires become absolute paths of socketcluster-server's own folder, so that they load exactly
// what the published file loads.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const serverDir = dirname(require.resolve('socketcluster-server/package.json'));
const shipped = join(serverDir, 'test', 'integration.js');
const fromServer = createRequire(join(serverDir, 'package.json'));
const mocha = require.resolve('mocha/bin/mocha.js');
const ourEngine = require.resolve('@uws/ws-compat');
const RERUNS = 4;

/** The shipped file with its engine constant set to `engine` (source text) and its requires made absolute. */
function switchedCopy(source, engine) {
  const constant = /^const WS_ENGINE = 'ws';$/m;
  if (!constant.test(source)) throw new Error(`${shipped}: no "const WS_ENGINE = 'ws';" line to replace; the shipped test changed`);
  const requires = {
    "require('../')": `require(${JSON.stringify(serverDir)})`,
    "require('../action')": `require(${JSON.stringify(join(serverDir, 'action.js'))})`,
    "require('socketcluster-client')": `require(${JSON.stringify(fromServer.resolve('socketcluster-client'))})`,
    "require('ag-simple-broker')": `require(${JSON.stringify(fromServer.resolve('ag-simple-broker'))})`,
  };
  let out = source.replace(constant, `const WS_ENGINE = ${engine};`);
  for (const [from, to] of Object.entries(requires)) {
    if (!out.includes(from)) throw new Error(`${shipped}: expected ${from}; the shipped test changed`);
    out = out.split(from).join(to);
  }
  const left = (out.match(/require\('[^'/][^']*'\)/g) ?? []).filter((r) => !builtinModules.includes(r.slice(9, -2)));
  if (left.length) throw new Error(`${shipped}: requires not mapped to socketcluster-server's folder: ${left.join(', ')}`);
  return out;
}

/** Mocha's --grep for exactly one test title. */
function exactly(title) {
  return `^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

/** One mocha process; returns { passed: Set<title>, failed: Map<title, message> }. */
function mochaOnce(file, env, grep) {
  const args = [mocha, '--reporter', 'json', '--timeout', '10000', '--slow', '10000', '--exit'];
  if (grep !== undefined) args.push('--grep', grep);
  const result = spawnSync(process.execPath, [...args, file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    cwd: serverDir,
    env: { ...process.env, ...env },
  });
  const text = result.stdout;
  const start = text.indexOf('{\n');
  if (start === -1) throw new Error(`mocha printed no JSON report for ${file} (exit ${result.status})\n${result.stderr}\n${text}`);
  const report = JSON.parse(text.slice(start));
  return {
    passed: new Set(report.passes.map((t) => t.fullTitle)),
    failed: new Map(report.failures.map((t) => [t.fullTitle, t.err?.message ?? ''])),
  };
}

/**
 * Runs the whole file, then each failing test again on its own (up to RERUNS times: their
 * timing-based cases, such as backpressure sampled every 10 ms, fail now and then on a loaded
 * machine with either engine). Both engines get the same treatment.
 */
function run(file, label, env = {}) {
  const started = Date.now();
  const { passed, failed } = mochaOnce(file, env);
  const firstFailures = failed.size;
  for (const title of [...failed.keys()]) {
    for (let attempt = 0; attempt < RERUNS; attempt++) {
      const again = mochaOnce(file, env, exactly(title));
      if (again.passed.has(title)) {
        console.log(`  passed on rerun ${attempt + 1}: ${title} (first: ${failed.get(title)})`);
        passed.add(title);
        failed.delete(title);
        break;
      }
      if (again.failed.has(title)) failed.set(title, again.failed.get(title));
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${label}: ${passed.size} passing, ${failed.size} failing (${firstFailures} failing before reruns; ${seconds} s)`);
  for (const [title, message] of failed) console.log(`  failing: ${title}: ${message}`);
  return { passed, failed };
}

const work = mkdtempSync(join(tmpdir(), 'sc-integration-'));
try {
  const source = readFileSync(shipped, 'utf8');
  const byName = join(work, 'integration.uws-name.js');
  const byObject = join(work, 'integration.uws-object.js');
  writeFileSync(byName, switchedCopy(source, `'@uws/ws-compat'`));
  writeFileSync(byObject, switchedCopy(source, `require(${JSON.stringify(ourEngine)})`));
  // Where a flat install would have put @uws/ws-compat for socketcluster-server's require().
  const flat = { NODE_PATH: join(here, 'node_modules') };

  const version = fromServer('./package.json').version;
  const reference = run(shipped, `socketcluster-server ${version} test/integration.js as shipped, wsEngine 'ws'`);
  const ours = [
    ['wsEngine: \'@uws/ws-compat\'', run(byName, `the same file, wsEngine: '@uws/ws-compat'`, flat)],
    ['wsEngine: require(\'@uws/ws-compat\')', run(byObject, `the same file, wsEngine: require('@uws/ws-compat')`)],
  ];

  const problems = [];
  if (reference.passed.size < 50) problems.push(`the reference run with ws passed only ${reference.passed.size} tests: the harness or the machine is broken`);
  for (const [form, result] of ours) {
    for (const title of reference.passed) {
      if (!result.passed.has(title)) problems.push(`${form}: passes with ws, fails with ours: ${title}: ${result.failed.get(title) ?? 'not run'}`);
    }
    for (const title of result.passed) {
      // A test that ws failed even on its reruns is reported, not held against us.
      if (!reference.passed.has(title)) console.log(`note: ${form}: passes with ours, failed with ws after ${RERUNS} reruns: ${title}`);
    }
  }
  if (problems.length) {
    for (const p of problems) console.error(`FAIL ${p}`);
    process.exitCode = 1;
  } else {
    console.log(`OK: every one of the ${reference.passed.size} tests that pass with ws passes with both forms of @uws/ws-compat (${ours.map(([, r]) => r.passed.size).join(' and ')} passing)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
