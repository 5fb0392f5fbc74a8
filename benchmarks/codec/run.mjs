#!/usr/bin/env node
// Codec microbenchmark: @uws/protocol vs ws's Receiver/Sender on the same inputs, one process,
// side by side. Progress goes to stderr, the table to stdout.
//
//   node codec/run.mjs [--quick] [--markdown] [--json <file>] [--only <text>] [--side ws|uws]
//                      [--seconds <s>] [--rounds <n>] [--wall] [--native-mask]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { parseInputs, serializeInputs } from './inputs.mjs';
import { describeEnvironment, environment } from './environment.mjs';
import { measure, median } from './measure.mjs';
import { markdownTable, summarize, textTable } from './report.mjs';
import { parseRunner, serializeRunner, verifyParse, verifySerialize } from './runners.mjs';
import * as uws from './uws-codec.mjs';
import * as ws from './ws-codec.mjs';

const USAGE = `Usage: node codec/run.mjs [options]
  --quick          0.2 s rounds, 2 rounds (default: 1 s, 5 rounds)
  --markdown       print the table as Markdown
  --json <file>    also write the results as JSON to <file>
  --only <text>    run only the scenarios whose name contains <text>
  --side <name>    run one side only (ws or uws), e.g. under a profiler
  --seconds <s>    timed seconds per side per round
  --rounds <n>     rounds per scenario
  --wall           time with the wall clock instead of the process's CPU time
  --native-mask    let @uws/protocol unmask large payloads with @uws/native's C++ XOR, as an
                   App on the native transport does (ws uses bufferutil's native code either way)`;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
    json: { type: 'string' },
    only: { type: 'string' },
    side: { type: 'string' },
    seconds: { type: 'string' },
    rounds: { type: 'string' },
    wall: { type: 'boolean', default: false },
    'native-mask': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

if (args['native-mask']) {
  // The epoll transport's XOR, plugged into @uws/protocol (the instance this benchmark uses)
  // for every Connection it makes, as an App passes it to each of its own.
  const { epollAvailable, EpollTransport } = await import('@uws/native');
  if (!epollAvailable()) {
    console.error('--native-mask: the @uws/native addon is not available here');
    process.exit(2);
  }
  const { setUnmaskAccelerator } = await import('@uws/protocol');
  const transport = new EpollTransport();
  setUnmaskAccelerator(transport.unmask);
  transport.close();
}

const seconds = Number(args.seconds ?? (args.quick ? 0.2 : 1));
const rounds = Number(args.rounds ?? (args.quick ? 2 : 5));
const warmup = args.quick ? 0.2 : 1;
const clock = args.wall ? 'wall' : 'cpu';
const codecs = [ws, uws]; // measured in this order within each round
const sides = args.side === undefined ? codecs : codecs.filter((c) => c.name === args.side);
if (sides.length === 0 || !(seconds > 0) || !(rounds >= 1)) {
  console.error(USAGE);
  process.exit(2);
}

const scenarios = [
  ...parseInputs().map((input) => ({ input, runner: parseRunner, verify: verifyParse })),
  ...serializeInputs().map((input) => ({ input, runner: serializeRunner, verify: verifySerialize })),
].filter((s) => args.only === undefined || s.input.name.includes(args.only));

const env = environment(codecs);
const log = (line) => process.stderr.write(`${line}\n`);
log(describeEnvironment(env));
log(`${rounds} rounds × ${seconds} s per side per scenario, after ${warmup} s warm-up, ${clock === 'cpu' ? 'CPU time' : 'wall time'}; order within a round: ${sides.map((s) => s.name).join(', ')}`);

// Correctness first: every side must produce exactly the expected messages / frames.
for (const { input, verify } of scenarios) {
  for (const codec of sides) verify(codec, input);
}
log(`verified: ${sides.map((s) => s.name).join(' and ')} decode/encode every scenario's input correctly`);

const rows = [];
const single = [];
for (const { input, runner } of scenarios) {
  const measured = await measure(
    sides.map((codec) => ({ name: codec.name, runner: runner(codec, input) })),
    { seconds, rounds, warmup, clock },
  );
  if (sides.length === 2) {
    const row = summarize(input, measured);
    rows.push(row);
    log(`${input.name}: ws ${row.ws.msgsPerSec.toFixed(0)} msg/s, uws ${row.uws.msgsPerSec.toFixed(0)} msg/s, ${row.ratio.toFixed(2)}×`);
  } else {
    const [name] = Object.keys(measured);
    const msgsPerSec = median(measured[name].map((r) => r.msgsPerSec));
    single.push({ scenario: input.name, side: name, msgsPerSec, rounds: measured[name] });
    log(`${input.name}: ${name} ${msgsPerSec.toFixed(0)} msg/s`);
  }
}

if (rows.length > 0) {
  console.log(args.markdown ? markdownTable(rows) : textTable(rows));
  const met = rows.filter((r) => r.met).length;
  console.log(`\n${met} of ${rows.length} targets met (≥ 2× ws on 16 B / 512 B frames, ≥ 1× on 1 MiB / 64 KiB).`);
  console.log(`MB/s: payload bytes (10^6) per second. Range: min–max of the per-round uws/ws ratios; * the range spans the target.`);
}
if (args.json !== undefined) {
  mkdirSync(dirname(args.json), { recursive: true });
  const doc = { date: new Date().toISOString(), settings: { seconds, rounds, warmup, clock }, environment: env, rows, single };
  writeFileSync(args.json, `${JSON.stringify(doc, null, 2)}\n`);
  log(`wrote ${args.json}`);
}
