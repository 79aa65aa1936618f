#!/usr/bin/env node
/**
 * Fits each engine's speed constants (src/engines/<engine>/perf.ts) to the benchmark corpus
 * (test/fixtures/benchmarks/*.yaml). Run after `npm run build`:
 *
 *   node scripts/fit-perf.mjs            # print the fit and its error table
 *   node scripts/fit-perf.mjs --write    # also rewrite the engines' perf.ts
 *
 * A third of the corpus (whole series, by a hash of engine, model, GPU and source) is held out of every fit, so the table shows how
 * the constants do on measurements they never saw. Speculative-decoding runs are reported, never fitted.
 * The fit minimises a robust loss (Huber on log(predicted / measured), δ = 0.3) by Nelder–Mead over
 * the logarithms of the constants, within physical bounds.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { BenchmarkSchema, formatSpeedAccuracy, heldOut, loadCatalog, prepareBenchmark, speedAccuracy } from '../dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const write = process.argv.includes('--write');

export const PARAMETERS = [
  { name: 'bandwidthEfficiency', min: 0.2, max: 0.95 },
  { name: 'computeEfficiency', min: 0.05, max: 0.7 },
  { name: 'hopperComputeScale', min: 0.2, max: 1 },
  { name: 'moeComputeEfficiency', min: 0.02, max: 0.8 },
  { name: 'expertTokensAtHalfEfficiency', min: 1, max: 2000 },
  { name: 'mxfp4ExpertScale', min: 0.1, max: 4 },
  { name: 'fp8ExpertScale', min: 0.1, max: 4 },
  { name: 'layerSeconds', min: 1e-6, max: 500e-6 },
  { name: 'moeLayerSeconds', min: 1e-6, max: 1000e-6 },
  { name: 'eagerLayerSeconds', min: 1e-6, max: 1000e-6 },
  { name: 'stepSeconds', min: 1e-5, max: 20e-3 },
  { name: 'sequenceSeconds', min: 0.1e-6, max: 200e-6 },
  { name: 'burstEfficiency', min: 0.1, max: 1 },
];
const ENGINE_FILES = { vllm: 'VLLM', sglang: 'SGLANG', llamacpp: 'LLAMACPP' };

/**
 * llama.cpp's corpus is single-stream decode only (13 dense, 1 MoE: a rounded vendor claim for a
 * 1.58-bit R1 on two H100s): nothing in it measures batched compute, the drain of a burst or the
 * per-sequence host cost, and one point cannot pin the MoE terms. Those constants are set, not
 * fitted (Ollama shares them): compute shares below vLLM's (llama.cpp's MMQ kernels dequantise in
 * the GEMM), and a MoE layer's extra fixed cost (router top-k, mul_mat_id's expert gather) of the
 * order vLLM's fit gives (~100 µs). The memory-bound constants are fitted.
 */
const ENGINE_PARAMETERS = {
  llamacpp: {
    fixed: {
      computeEfficiency: 0.4,
      hopperComputeScale: 0.7,
      moeComputeEfficiency: 0.2,
      expertTokensAtHalfEfficiency: 8,
      moeLayerSeconds: 100e-6,
      sequenceSeconds: 20e-6,
      burstEfficiency: 0.5,
      eagerLayerSeconds: 20e-6,
      // No MXFP4 or FP8 MoE measurement of llama.cpp in the corpus: its expert kernels are not told apart.
      mxfp4ExpertScale: 1,
      fp8ExpertScale: 1,
    },
    bounds: {},
  },
};

function parametersOf(engine) {
  const e = ENGINE_PARAMETERS[engine] ?? { fixed: {}, bounds: {} };
  return PARAMETERS.filter((p) => !(p.name in e.fixed)).map((p) => ({ ...p, ...(e.bounds[p.name] ?? {}) }));
}

function loadCorpus() {
  const dir = join(root, 'test/fixtures/benchmarks');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parse(readFileSync(join(dir, f), 'utf8')).map((e) => BenchmarkSchema.parse(e)));
}

function huber(x, delta = 0.3) {
  const a = Math.abs(x);
  return a <= delta ? 0.5 * x * x : delta * (a - 0.5 * delta);
}

function toConstants(theta, base, params) {
  const c = { ...base };
  params.forEach((p, i) => {
    c[p.name] = Math.min(p.max, Math.max(p.min, Math.exp(theta[i])));
  });
  return c;
}

function nelderMead(f, x0, { iterations = 4000, step = 0.4 } = {}) {
  const n = x0.length;
  let simplex = [x0, ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + step : v)))].map((x) => ({ x, f: f(x) }));
  for (let it = 0; it < iterations; it++) {
    simplex.sort((a, b) => a.f - b.f);
    const best = simplex[0];
    const worst = simplex[n];
    if (Math.abs(worst.f - best.f) < 1e-10) break;
    const centroid = x0.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + p.x[j], 0) / n);
    const along = (t) => centroid.map((c, j) => c + t * (worst.x[j] - c));
    const r = { x: along(-1), f: 0 };
    r.f = f(r.x);
    if (r.f < best.f) {
      const e = { x: along(-2), f: 0 };
      e.f = f(e.x);
      simplex[n] = e.f < r.f ? e : r;
    } else if (r.f < simplex[n - 1].f) {
      simplex[n] = r;
    } else {
      const c = { x: along(r.f < worst.f ? -0.5 : 0.5), f: 0 };
      c.f = f(c.x);
      if (c.f < Math.min(r.f, worst.f)) simplex[n] = c;
      else simplex = simplex.map((p, i) => (i === 0 ? p : { x: p.x.map((v, j) => best.x[j] + 0.5 * (v - best.x[j])), f: f(p.x.map((v, j) => best.x[j] + 0.5 * (v - best.x[j]))) }));
    }
  }
  simplex.sort((a, b) => a.f - b.f);
  return simplex[0];
}

function fitEngine(runs, base, params) {
  const loss = (theta) => {
    const c = toConstants(theta, base, params);
    let sum = 0;
    for (const run of runs) {
      const r = run(c);
      sum += huber(Math.log(r.predicted / r.measured));
    }
    return sum / runs.length;
  };
  let best = { x: params.map((p) => Math.log(Math.min(p.max, Math.max(p.min, base[p.name])))), f: Number.POSITIVE_INFINITY };
  // Restarts from the best point found: Nelder–Mead stalls in 7 dimensions.
  for (let round = 0; round < 4; round++) best = nelderMead(loss, best.x, { step: 0.5 / (round + 1) });
  return { constants: toConstants(best.x, base, params), loss: best.f };
}

function formatConstant(name, value) {
  if (name.endsWith('Seconds')) return `${Number((value * 1e6).toPrecision(3))}e-6`;
  return String(Number(value.toPrecision(3)));
}

function perfFile(engineName, constName, c, fittedTo, counts, fixed) {
  const lines = PARAMETERS.map((p) => `  ${p.name}: ${formatConstant(p.name, c[p.name])},${p.name in fixed ? ' // set, not fitted (scripts/fit-perf.mjs ENGINE_PARAMETERS)' : ''}`);
  const setNote = Object.keys(fixed).length ? `; ${Object.keys(fixed).join(', ')} set, not fitted: the corpus has no measurement of them for this engine (ENGINE_PARAMETERS)` : '';
  return `/**
 * ${engineName}'s speed constants (perf/model.ts PerfConstants), fitted by \`node scripts/fit-perf.mjs --write\`
 * to the published measurements of test/fixtures/benchmarks/ named in \`fittedTo\` (${counts}). The
 * corpus test (test/perf/benchmarks.test.ts) reports these and the held-out measurements.
 */
import type { PerfConstants } from '../../perf/model.js';

export const ${constName}_PERF: PerfConstants = {
${lines.join('\n')}
  fittedTo: [
${fittedTo.map((id) => `    '${id}',`).join('\n')}
  ],
  source: 'scripts/fit-perf.mjs: Huber loss (δ 0.3) on log(predicted / measured) over the ids in fittedTo, Nelder–Mead on the logarithms of the constants; cross-validated first on a third of the series held out (test/fixtures/benchmarks/CROSS-VALIDATION.md)${setNote}',
};
`;
}

const catalog = await loadCatalog();
const corpus = loadCorpus();
const engines = (await import('../dist/index.js')).engineRelease;
const names = { vllm: 'vLLM', sglang: 'SGLang', llamacpp: 'llama.cpp' };
const pooled = [];
const crossValidated = [];
for (const [engine, constName] of Object.entries(ENGINE_FILES)) {
  const entries = corpus.filter((b) => b.engine === engine);
  const prepared = entries.map((b) => ({ b, run: prepareBenchmark(catalog, b) })).filter(({ run }) => Number.isFinite(run().measured) && run().memoryRefused === null);
  const counted = prepared.filter(({ b }) => !b.speculative && !b.suspect);
  const trainSet = counted.filter(({ b }) => !heldOut(b));
  if (trainSet.length < 5) {
    console.log(`${engine}: ${trainSet.length} measurements to fit, too few; constants unchanged`);
    continue;
  }
  const base = { ...engines(engine).perf, ...(ENGINE_PARAMETERS[engine]?.fixed ?? {}) };
  // Cross-validation: fit to two thirds of the series, measure on the third never seen.
  const cv = fitEngine(
    trainSet.map(({ run }) => run),
    base,
    parametersOf(engine),
  );
  crossValidated.push(...counted.filter(({ b }) => heldOut(b)).map(({ b, run }) => ({ b, r: run(cv.constants) })));
  // The shipped constants: fitted to every counted measurement, from the cross-validated ones.
  const fitSet = counted;
  const { constants, loss } = fitEngine(
    fitSet.map(({ run }) => run),
    cv.constants,
    parametersOf(engine),
  );
  console.log(`\n${engine}: fitted to ${fitSet.length} of ${prepared.length} (loss ${loss.toFixed(4)}; cross-validation loss on held-out series after fitting the rest ${cv.loss.toFixed(4)})`);
  const fitted = new Set(parametersOf(engine).map((p) => p.name));
  for (const p of PARAMETERS) console.log(`  ${p.name.padEnd(28)} ${formatConstant(p.name, constants[p.name]).padEnd(10)} ${fitted.has(p.name) ? '' : '(set, not fitted)'}`);
  for (const { b, run } of prepared) {
    const r = run(constants);
    const tag = b.speculative ? 'spec' : b.suspect ? 'susp' : heldOut(b) ? 'held' : 'fit ';
    console.log(`  ${tag} ${r.cls.padEnd(12)} ${(r.error * 100).toFixed(0).padStart(5)}%  ${r.measured.toFixed(1).padStart(9)} → ${r.predicted.toFixed(1).padStart(9)}  ${b.id}`);
  }
  // The table counts every measurement of the engine, the ones it could not replay included.
  pooled.push(...entries.map((b) => ({ b, r: prepareBenchmark(catalog, b)(constants) })));
  if (write) {
    const counts = `${fitSet.length} measurements`;
    const file = join(root, 'src/engines', engine, 'perf.ts');
    writeFileSync(
      file,
      perfFile(
        names[engine],
        constName,
        constants,
        fitSet.map(({ b }) => b.id),
        counts,
        ENGINE_PARAMETERS[engine]?.fixed ?? {},
      ),
    );
    // The repository's formatter owns the layout of source files (npm run lint checks it).
    spawnSync(process.execPath, [join(root, 'node_modules/@biomejs/biome/bin/biome'), 'format', '--write', file], { cwd: root, stdio: 'ignore' });
    console.log(`  wrote ${file}`);
  }
}
console.log(`\n${formatSpeedAccuracy(speedAccuracy(pooled), pooled)}`);
// Cross-validation by series: each engine fitted to two thirds of the series, measured on the rest.
const cvRows = speedAccuracy(crossValidated);
const cvTable = formatSpeedAccuracy(cvRows, crossValidated).split('\n\n')[0];
console.log(`\ncross-validation (held-out series only):\n${cvTable}`);
if (write) {
  writeFileSync(
    join(root, 'test/fixtures/benchmarks/CROSS-VALIDATION.md'),
    `# Cross-validation of the speed constants\n\nWritten by \`node scripts/fit-perf.mjs --write\`. Each engine's constants were fitted to two thirds of the corpus's series (a series: one engine, model, GPU and source; \`heldOut\` in src/planner/benchmark.ts) and measured on the third never seen; the shipped constants are then fitted to every counted measurement. The held-out error below is what to expect of configurations the corpus does not hold.\n\n${cvTable}\n`,
  );
}
