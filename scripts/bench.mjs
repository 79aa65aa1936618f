#!/usr/bin/env node
// Times whole CLI runs against a bare `node -e 0` in the same run, and the pure
// functions in-process. Prints medians; no assertions (CI load would make them flaky).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const BIN = fileURLToPath(new URL('../bin/gpuplan.cjs', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Milliseconds of one run of Node with `args` (exit 0 or 1; anything else is a failure), `env` added to this process's. */
function timeRun(args, env) {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', env: env ? { ...process.env, ...env } : undefined });
  const elapsed = performance.now() - start;
  if (result.status !== 0 && result.status !== 1) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return elapsed;
}

function timeCommand(args) {
  const samples = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const elapsed = timeRun(args);
    if (i >= 2) samples.push(elapsed); // first two warm the file cache
  }
  return median(samples);
}

function timeInProcess(fn, iterations = 200) {
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

/**
 * CLI runs against bare Node, interleaved: each round runs every command once, so a slower or faster
 * spell of the machine (shared CI runners, VMs) falls on all of them alike. A ratio is the median over
 * rounds of the command's time over bare Node's in the same round.
 */
function timeInterleaved(commands) {
  const samples = commands.map(() => []);
  for (let round = 0; round < RUNS + 2; round++) {
    commands.forEach(([, args, env], i) => {
      const elapsed = timeRun(args, env);
      if (round >= 2) samples[i].push(elapsed); // the first two rounds warm the file cache
    });
  }
  const ratios = samples.map((own) => median(own.map((ms, round) => ms / samples[0][round])));
  return commands.map(([name], i) => ({ name, ms: median(samples[i]), ratio: ratios[i] }));
}

const rows = [];
const lib = await import('../dist/index.js');
// A budget naming every GPU family in the catalog: the whole search space.
const everyGpu = [...new Set((await lib.loadCatalog()).gpus.map((g) => g.family))].join(',');
// Issue 18: the whole catalog with a load target (copies, data and expert parallel, batch sizing).
const LOAD_ARGS = ['--rate', '20', '--input-len', '1000', '--output-len', '300', '--tpot-ms', '50'];
const startUps = timeInterleaved([
  ['node -e 0 (bare Node start)', ['-e', '0']],
  ['gpuplan estimate --model deepseek-r1-671b', [BIN, 'estimate', '--model', 'deepseek-r1-671b']],
  ['gpuplan estimate --model deepseek-r1-671b --json', [BIN, 'estimate', '--model', 'deepseek-r1-671b', '--json']],
  [`gpuplan plan --model deepseek-r1-671b --budget <all ${everyGpu.split(',').length} GPU families>`, [BIN, 'plan', '--model', 'deepseek-r1-671b', '--budget', everyGpu]],
  [`gpuplan plan --model llama-3.1-8b --budget <all families> ${LOAD_ARGS.join(' ')}`, [BIN, 'plan', '--model', 'llama-3.1-8b', '--budget', everyGpu, ...LOAD_ARGS]],
  ['gpuplan plan --model deepseek-r1-671b --budget <all families> --users 256', [BIN, 'plan', '--model', 'deepseek-r1-671b', '--budget', everyGpu, '--users', '256']],
  // What a Node other than the build's runs: the ES module chunks, without the code cache (bin/gpuplan.cjs).
  ['the load plan again, GPUPLAN_CODE_CACHE=0 (ES module chunks)', [BIN, 'plan', '--model', 'llama-3.1-8b', '--budget', everyGpu, ...LOAD_ARGS], { GPUPLAN_CODE_CACHE: '0' }],
]);
for (const { name, ms } of startUps) rows.push([name, ms]);
const [, estimateCli, , planCli, loadCli, moeLoadCli, noCacheLoadCli] = startUps;

const loadMs = median(
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      const t = performance.now();
      await lib.loadCatalog();
      return performance.now() - t;
    }),
  ),
);
rows.push(['loadCatalog() in-process', loadMs]);
const catalog = await lib.loadCatalog();
const model = await lib.resolveModel(catalog, 'deepseek-r1-671b');
const quantization = catalog.quantizations.find((q) => q.id === 'fp8');
const input = {
  model,
  quantization,
  artifact: null,
  kvDtype: 'auto',
  context: 32768,
  concurrency: 1,
  tp: 8,
  pp: 1,
  gpu: null,
  mode: 'inference',
  training: { zero: 0, dataParallel: 1, checkpointing: true, eagerAttention: false, microBatch: 1, loraRank: 16, qloraBase: quantization },
};
rows.push(['estimate() in-process', timeInProcess(() => lib.estimate(input))]);

const budget = lib.parseBudget(everyGpu);
const request = {
  model: 'deepseek-r1-671b',
  budget: everyGpu,
  context: 32768,
  concurrency: 1,
  engine: 'auto',
  quantizations: null,
  minBits: 4,
  gpuMemoryUtilization: null,
  kvCacheDtype: 'auto',
  cpuOffload: false,
};
const planInput = { catalog, model: { ...model, architecture: model.architecture }, budget, request, price: (g) => g.pricePerHour, alternatives: 3 };
const hardware = lib.hardwareOptions(
  lib.resolveBudget(budget, catalog, (g) => g.pricePerHour),
  (g) => g.pricePerHour,
);
const scenario = lib.scenarioOf(planInput, hardware);
const searched = lib.runScenario(planInput, scenario).configurations;
rows.push([`search alone in-process (${searched} configurations)`, timeInProcess(() => lib.runScenario(planInput, scenario), 50)]);
rows.push(['plan() in-process (search + ranking + explanations)', timeInProcess(() => lib.plan(planInput), 50)]);
const llama = await lib.resolveModel(catalog, 'llama-3.1-8b');
const loadRequest = { ...request, model: 'llama-3.1-8b', context: 1536, inputLen: 1000, outputLen: 300, rate: 20, users: null, tpotMs: 50, ttftMs: null };
const loadInput = { ...planInput, model: { ...llama, architecture: llama.architecture }, request: loadRequest };
const loadScenario = lib.scenarioOf(loadInput, hardware);
const loadSearched = lib.runScenario(loadInput, loadScenario).configurations;
rows.push([`search alone in-process, llama-3.1-8b at 20 requests/s (${loadSearched} configurations)`, timeInProcess(() => lib.runScenario(loadInput, loadScenario), 50)]);

// Rendering: the plan CLI with --out (templates, parse-back incl. the compose schema, atomic write), and in-process.
const { mkdtempSync, rmSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const outRoot = mkdtempSync(`${tmpdir()}/gpuplan-bench-`);
let outRun = 0;
const renderArgs = [BIN, 'plan', '--model', 'deepseek-r1-671b', '--budget', '8xA100'];
const planOnly = timeCommand(renderArgs);
rows.push(['gpuplan plan --model deepseek-r1-671b --budget 8xA100', planOnly]);
const withOut = median(
  Array.from({ length: RUNS }, () => {
    const t = performance.now();
    spawnSync(process.execPath, [...renderArgs, '--out', `${outRoot}/${outRun++}`]);
    return performance.now() - t;
  }),
);
rows.push(['  … with --out DIR (render, verify, write)', withOut]);
const rendered = lib.plan({ ...planInput, budget: lib.parseBudget('8xA100'), request: { ...request, budget: '8xA100' } });
lib.renderPlan(rendered);
rows.push(['renderPlan() in-process (4 files, parsed back)', timeInProcess(() => lib.renderPlan(rendered), 50)]);
rmSync(outRoot, { recursive: true, force: true });

// validate: 1,000 deployment files (the examples and the validate corpus, copied round-robin) in one run.
const { readdirSync, writeFileSync: writeFile, readFileSync: readFile, mkdirSync } = await import('node:fs');
const corpus = [];
for (const dir of ['examples', 'test/fixtures/validate/valid']) {
  const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${d}/${e.name}`) : [`${d}/${e.name}`]));
  corpus.push(...walk(dir).filter((f) => /\.(ya?ml|sh)$|Modelfile/.test(f)));
}
const validateDir = mkdtempSync(`${tmpdir()}/gpuplan-validate-bench-`);
for (let i = 0; i < 1000; i++) {
  const source = corpus[i % corpus.length];
  const name = source.split('/').pop();
  mkdirSync(`${validateDir}/${i}`);
  writeFile(`${validateDir}/${i}/${name}`, readFile(source));
}
const validateMs = median(
  Array.from({ length: Math.max(3, Math.floor(RUNS / 3)) }, () => {
    const t = performance.now();
    const r = spawnSync(process.execPath, [BIN, 'validate', validateDir, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`validate failed: ${r.stderr}${r.stdout.slice(0, 500)}`);
    return performance.now() - t;
  }),
);
rows.push(['gpuplan validate <1,000 files>', validateMs]);
rmSync(validateDir, { recursive: true, force: true });

const width = Math.max(...rows.map(([name]) => name.length));
const codeCache = existsSync(fileURLToPath(new URL(`../dist/bundle/cli.${process.versions.v8}.cache`, import.meta.url)));
console.log(
  `median of ${RUNS} runs (Node ${process.version}, V8 ${process.versions.v8}: ${codeCache ? 'the build made a code cache for it' : 'no code cache for it, the CLI runs its ES module chunks'})`,
);
for (const [name, ms] of rows) console.log(`${name.padEnd(width)}  ${ms.toFixed(2).padStart(8)} ms`);
console.log('ratios: median over rounds of the command over bare Node in the same round');
console.log(`estimate CLI / bare Node start: ${estimateCli.ratio.toFixed(2)}×`);
console.log(`plan CLI / bare Node start: ${planCli.ratio.toFixed(2)}× (target ≤ 1.5×)`);
console.log(`plan CLI with a load target, whole catalog / bare Node start: ${loadCli.ratio.toFixed(2)}× (issue 18 target ≤ 2×)`);
console.log(`plan CLI for 256 users of DeepSeek-R1, whole catalog / bare Node start: ${moeLoadCli.ratio.toFixed(2)}×`);
console.log(`the load plan without the code cache (another Node than the build's) / bare Node start: ${noCacheLoadCli.ratio.toFixed(2)}×`);
console.log(`validate: ${(1000 / (validateMs / 1000)).toFixed(0)} files/s over 1,000 files, start-up included (target ≥ 500)`);
