#!/usr/bin/env node
// Writes corpus fixtures (test/fixtures/engine-logs/vllm/) from the vLLM start-up logs the
// llm-d-planner memory-validation campaign committed (accuracy/results/<version>/logs/):
// full `vllm serve` logs at DEBUG level, one per run, on H100 80GB HBM3. Every quoted line is
// copied from the log as git stores it; every observed number is read from a quoted line.
//
//   node scripts/engine-logs/llmd-planner.mjs --git GITDIR [--commit SHA] [--force]
//
// GITDIR is a clone (or bare mirror) of github.com/llm-d-incubation/llm-d-planner.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';

const { values } = parseArgs({ options: { git: { type: 'string' }, commit: { type: 'string', default: 'd3121e059da88662db39a926a3ead964be97359b' }, force: { type: 'boolean', default: false } } });
if (!values.git) {
  console.error('usage: llmd-planner.mjs --git GITDIR [--commit SHA] [--force]');
  process.exit(2);
}
const OUT = new URL('../../test/fixtures/engine-logs/vllm/', import.meta.url);
const REPO = 'llm-d-incubation/llm-d-planner';

/** Runs whose model gpuplan's catalog has (log file stem → catalog model, what the checkpoint is). */
const RUNS = [
  { log: 'v0.19.0/logs/meta-llama-llama-3-1-8b---h100-80gb--tp1pp1dp1--2048', catalog: 'llama-3.1-8b', quantization: null },
  { log: 'v0.19.0/logs/meta-llama-llama-3-1-8b---h100-80gb--tp2pp1dp1--8192', catalog: 'llama-3.1-8b', quantization: null },
  { log: 'v0.19.0/logs/meta-llama-llama-3-1-8b---h100-80gb--tp4pp1dp1--8192', catalog: 'llama-3.1-8b', quantization: null },
  { log: 'v0.19.0/logs/meta-llama-llama-3-1-8b---h100-80gb--tp1pp2dp1--8192', catalog: 'llama-3.1-8b', quantization: null },
  { log: 'v0.19.0/logs/meta-llama-llama-3-1-8b---h100-80gb--tp1pp4dp1--8192', catalog: 'llama-3.1-8b', quantization: null },
  { log: 'v0.19.0/logs/meta-llama-llama-3---h100-80gb--tp1pp1dp1--8192-qfp8', catalog: 'llama-3.1-8b', quantization: 'fp8 (online, --quantization fp8)' },
  { log: 'v0.19.0/logs/qwen-qwen2-5-7b-instruct--h100-80gb--tp2pp1dp1--8192', catalog: 'qwen2.5-7b', quantization: null },
  { log: 'v0.19.0/logs/qwen-qwen2-5-7b-instruct--h100-80gb--tp4pp1dp1--8192', catalog: 'qwen2.5-7b', quantization: null },
  { log: 'v0.19.0/logs/qwen-qwen3-8b--h100-80gb--tp1pp1dp1--8192', catalog: 'qwen3-8b', quantization: null },
  { log: 'v0.19.0/logs/qwen-qwen3-30b-a3b--h100-80gb--tp1pp1dp1--8192', catalog: 'qwen3-30b-a3b', quantization: null },
  { log: 'v0.19.0/logs/deepseek-ai-deepseek-v2---h100-80gb--tp1pp1dp1--8192', catalog: 'deepseek-v2-lite', quantization: null },
  { log: 'v0.19.0/logs/mistralai-mixtral-8x7b-i--h100-80gb--tp2pp1dp1--8192', catalog: 'mixtral-8x7b', quantization: null },
  { log: 'v0.19.0/logs/openai-gpt-oss-20b--h100-80gb--tp2pp1dp1--8192', catalog: 'gpt-oss-20b', quantization: 'mxfp4' },
  { log: 'v0.19.0/logs/qwen-qwen2-5-72b-instruc--h100-80gb--tp2pp1dp1--8192', catalog: 'qwen2.5-72b', quantization: null },
  { log: 'v0.19.0/logs/fp8dyn-llama-3-3-70b--h100-80gb--tp2pp1dp1--8192', catalog: 'llama-3.1-70b', quantization: 'fp8' },
  { log: 'v0.19.0/logs/fp8dyn-llama-3-3-70b--h100-80gb--tp4pp1dp1--8192', catalog: 'llama-3.1-70b', quantization: 'fp8' },
];

const git = (...args) => execFileSync('git', ['--git-dir', values.git, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const commitDate = git('show', '-s', '--format=%cs', values.commit).trim();

/** The first line matching `pattern` printed by rank 0 (or the engine core), else by anyone. */
function first(lines, pattern) {
  const matching = lines.filter((l) => pattern.test(l));
  return matching.find((l) => /\((EngineCore|Worker_TP0|Worker_PP0|Worker_TP0_PP0|APIServer)\b/.test(l)) ?? matching[0] ?? null;
}
const number = (line, pattern) => {
  const m = line?.match(pattern);
  return m ? Number(m[1].replaceAll(',', '')) : undefined;
};
const pyValue = (args, key) => {
  const m = args.match(new RegExp(`'${key}': ('[^']*'|[^,}]+)`));
  if (!m) return null;
  const v = m[1].trim();
  if (v.startsWith("'")) return v.slice(1, -1);
  if (v === 'True' || v === 'False') return v === 'True';
  return Number.isNaN(Number(v)) ? v : Number(v);
};

let written = 0;
for (const run of RUNS) {
  const path = `accuracy/results/${run.log}.log`;
  const text = git('show', `${values.commit}:${path}`);
  const lines = text.split(/\r?\n/);
  const version = first(lines, / version \d+\.\d+\.\d+/)?.match(/version (\d+\.\d+\.\d+)/)?.[1];
  const args = first(lines, /non-default args:/);
  if (!version || !args) throw new Error(`${path}: no version banner or non-default args`);
  const tp = pyValue(args, 'tensor_parallel_size') ?? 1;
  const pp = pyValue(args, 'pipeline_parallel_size') ?? 1;
  const picked = {
    banner: first(lines, / version \d+\.\d+\.\d+/),
    args,
    batched: first(lines, /Defaulting max_num_batched_tokens to/),
    seqs: first(lines, /Defaulting max_num_seqs to/),
    snapshot: first(lines, /worker init memory snapshot/),
    loading: first(lines, /Model loading took/),
    profiling: first(lines, /Memory profiling takes/),
    available: first(lines, /Available KV cache memory:/),
    size: first(lines, /GPU KV cache size:/),
    concurrency: first(lines, /Maximum concurrency for/),
    graphs: first(lines, /CUDA graph pool memory:/),
  };
  // Every pipeline stage profiles itself; the pool is sized by the smallest, so quote them all.
  const stages = pp > 1 ? lines.filter((l) => /Memory profiling takes/.test(l)) : [];
  const quoted = [...Object.values(picked), ...stages.filter((l) => l !== picked.profiling)].filter((l) => l !== null);
  const stem = run.log.split('/').pop();
  const id = `vllm-llmd-${version}-${run.catalog}-h100-tp${tp}pp${pp}-${stem.split('--').pop()}`.replace(/[^a-z0-9.-]+/gi, '-').toLowerCase();
  const model = pyValue(args, 'model');
  const fixture = {
    id,
    engine: 'vllm',
    engineVersion: version,
    versionEvidence: `log banner "version ${version}"`,
    source: {
      url: `https://github.com/${REPO}/blob/${values.commit}/${path}`,
      repo: REPO,
      where: `${path}@${values.commit}`,
      date: commitDate,
    },
    model: { hf: model, catalog: run.catalog, dtype: pyValue(args, 'dtype') ?? 'auto', quantization: run.quantization, file: null },
    gpu: { name: 'NVIDIA H100 80GB HBM3 (the campaign node selector; vLLM prints total_memory=79.19GiB)', catalog: 'h100-sxm', count: tp * pp },
    settingsComplete: true,
    settings: {
      command: `vllm serve (non-default args ${args.slice(args.indexOf('{'))})`,
      tensor_parallel_size: tp,
      pipeline_parallel_size: pp,
      max_model_len: pyValue(args, 'max_model_len'),
      gpu_memory_utilization: pyValue(args, 'gpu_memory_utilization'),
      max_num_seqs: number(picked.seqs, /to (\d+)/) ?? null,
      max_num_batched_tokens: number(picked.batched, /to (\d+)/) ?? null,
      kv_cache_dtype: pyValue(args, 'kv_cache_dtype') ?? 'auto',
      enforce_eager: pyValue(args, 'enforce_eager') ?? false,
      quantization: pyValue(args, 'quantization'),
      dtype: pyValue(args, 'dtype'),
      block_size: null,
    },
    quoted,
    observed: Object.fromEntries(
      Object.entries({
        modelLoadingGiB: number(picked.loading, /took ([\d.]+) GiB/),
        // With pipeline stages rank 0 logs its own pool; the token count is the engine's (the smallest stage).
        availableKvGiB: pp > 1 ? undefined : number(picked.available, /memory: ([\d.]+) GiB/),
        kvTokens: number(picked.size, /size: ([\d,]+) tokens/),
        maxConcurrency: number(picked.concurrency, /: ([\d.]+)x/),
        concurrencyTokens: number(picked.concurrency, /for ([\d,]+) tokens/),
        totalGpuGiB: number(picked.snapshot, /total_memory=([\d.]+)GiB/),
        nonTorchGiB: number(picked.profiling, /non-torch forward increase memory: ([\d.]+)GiB/),
        activationPeakGiB: number(picked.profiling, /torch peak memory increase: ([\d.]+)GiB/),
        cudaGraphGiB: number(picked.graphs, /memory: ([\d.]+) GiB \(actual\)/),
        cudaGraphEstimateGiB: number(picked.graphs, /([\d.]+) GiB \(estimated\)/),
      }).filter(([, v]) => v !== undefined),
    ),
    notes:
      'llm-d-planner memory-validation campaign: `vllm serve` in vllm/vllm-openai at DEBUG log level on H100 80GB HBM3, prefix caching off. ' +
      'Settings are the engine’s own non-default-args dump plus the batch defaults it logs. CUDA-graph memory profiling is off in this release, so graphs are captured after the KV cache is sized.' +
      (pp > 1 ? ' Each stage profiles itself (all quoted); rank 0 logs its own available memory, the token count follows the smallest stage.' : ''),
  };
  const file = new URL(`${id}.yaml`, OUT);
  if (existsSync(file) && !values.force) {
    console.error(`${id}.yaml exists (use --force)`);
    continue;
  }
  writeFileSync(file, stringify(fixture, { lineWidth: 0 }));
  written++;
}
console.log(`wrote ${written} fixtures to ${OUT.pathname}`);
