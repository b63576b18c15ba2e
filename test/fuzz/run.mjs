// Fuzzing for as long as asked: `npm run fuzz -- --seconds 600 [--target pcap] [--seed 42]`.
// Round-robin over the targets of test/fuzz/targets.ts with fresh seeds (or --seed, --seed+1...),
// each case judged in a worker thread (time, memory, hangs). A failing input is saved under
// test/fuzz/regressions/<target>/, where the unit test replays it from then on; exit 1 if any.
import { randomInt } from 'node:crypto';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { FuzzWorker, fuzzTarget, preview, saveCounterexample } from '../../out/test/fuzz/harness.js';
import { TARGETS } from '../../out/test/fuzz/targets.js';

const usage = `Usage: npm run fuzz -- [--seconds N] [--target NAME]... [--seed S] [--list]
  --seconds N    fuzz for N seconds in all (default 60)
  --target NAME  only this target (repeatable); --list shows them
  --seed S       seeds S, S+1, ... instead of random ones (a run is then repeatable)`;

let args;
try {
  args = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      target: { type: 'string', multiple: true },
      seed: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (e) {
  console.error(`fuzz: ${e.message}\n${usage}`);
  process.exit(2);
}

if (args.help) {
  console.log(usage);
  process.exit(0);
}
if (args.list) {
  for (const t of TARGETS) console.log(`${t.name.padEnd(14)} ${t.about}`);
  process.exit(0);
}

const seconds = Number(args.seconds);
const firstSeed = args.seed === undefined ? null : Number(args.seed);
if (!(seconds > 0) || (firstSeed !== null && !Number.isInteger(firstSeed))) {
  console.error(`fuzz: --seconds needs a positive number and --seed an integer\n${usage}`);
  process.exit(2);
}
const unknown = (args.target ?? []).filter((n) => !TARGETS.some((t) => t.name === n));
if (unknown.length) {
  console.error(`fuzz: no target named ${unknown.join(', ')} (targets: ${TARGETS.map((t) => t.name).join(', ')})`);
  process.exit(2);
}
const chosen = args.target ? TARGETS.filter((t) => args.target.includes(t.name)) : [...TARGETS];

const root = path.resolve(import.meta.dirname, '..', '..');
const deadline = Date.now() + seconds * 1000;
// Each target gets a turn of this long, so a short run still visits every target.
const turnMs = Math.min(60_000, Math.max(1000, (seconds * 1000) / chosen.length / 2));
const worker = new FuzzWorker();
await worker.ready();
const totals = new Map(chosen.map((t) => [t.name, { cases: 0, turns: 0 }]));
const failures = [];
let active = chosen;
let turn = 0;

while (active.length && Date.now() < deadline) {
  const target = active[turn % active.length];
  const seed = firstSeed === null ? randomInt(2 ** 31) : firstSeed + turn;
  turn++;
  const result = await fuzzTarget(target, {
    seed,
    numRuns: Number.MAX_SAFE_INTEGER,
    stopAt: Math.min(deadline, Date.now() + turnMs),
    shrinkMs: 60_000,
    worker,
  });
  const total = totals.get(target.name);
  total.cases += result.cases;
  total.turns++;
  if (!result.failure) {
    console.log(`fuzz: ${target.name} ${result.cases} cases, seed ${seed}, 0 failures`);
    continue;
  }
  const f = result.failure;
  const file = saveCounterexample(target, f.input);
  console.log(`fuzz: ${target.name} ${result.cases} cases, seed ${seed}, 1 failure`);
  console.log(`  ${f.message.split('\n').join('\n  ')}`);
  console.log(`  input (after ${f.shrinks} shrinks): ${preview(target, f.input)}`);
  console.log(`  saved to ${path.relative(root, file)}`);
  failures.push({ target: target.name, seed, file });
  // One failure per target: the same bug would only be found again under other names.
  active = active.filter((t) => t !== target);
}
await worker.close();

console.log('');
for (const [name, t] of totals) {
  const failed = failures.some((f) => f.target === name) ? ', FAILED' : '';
  console.log(`fuzz: ${name.padEnd(14)} ${String(t.cases).padStart(8)} cases in ${t.turns} turns${failed}`);
}
if (failures.length) {
  console.log(`\n${failures.length} failing input(s) saved; \`npx mocha --no-config out/test/unit/fuzz.test.js\` replays them:`);
  for (const f of failures) console.log(`  ${path.relative(root, f.file)} (${f.target}, seed ${f.seed})`);
  process.exit(1);
}
