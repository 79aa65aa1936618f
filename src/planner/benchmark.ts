/**
 * The benchmark corpus (test/fixtures/benchmarks/, README there): published speed measurements,
 * each replayed through the engine's memory model and the speed model. The corpus test reports
 * the error table from these; scripts/fit-perf.mjs fits the engines' PerfConstants to them.
 */
import { z } from 'zod';
import type { Catalog } from '../catalog/catalog.js';
import { findCatalogModel, findGpu, findQuantization } from '../catalog/lookup.js';
import { specFromCatalogEntry } from '../catalog/model.js';
import { EngineIdSchema } from '../catalog/schema.js';
import { countParams } from '../memory/params.js';
import { engineRelease, releaseDescribing } from '../engines/registry.js';
import type { Deployment, Engine, ModelVariant } from '../engines/types.js';
import { modelVariant } from '../engines/variant.js';
import { burstThroughput, estimatePerf, type PerfConstants } from '../perf/model.js';
import { perfShape, sustainedBatch, type InstanceLayout } from './perf.js';
import { allVariants } from './variants.js';

const positive = z.number().positive();

export const BenchmarkSchema = z.object({
  id: z.string(),
  source: z.object({ url: z.string(), repo: z.string().nullable(), path: z.string().nullable(), commit: z.string().nullable(), where: z.string().nullable() }),
  quoted: z.union([z.string(), z.array(z.string())]),
  engine: EngineIdSchema,
  engineVersion: z.string().nullable(),
  model: z.string(),
  publishedModel: z.string(),
  quantization: z.string(),
  gpu: z.string(),
  gpus: z.number().int().positive(),
  tp: z.number().int().positive(),
  pp: z.number().int().positive().default(1),
  dp: z.number().int().positive().default(1),
  expertParallel: z.boolean().default(false),
  dpAttention: z.boolean().default(false),
  speculative: z.boolean().default(false),
  /** Why the source itself makes this measurement unreliable (convert.py SUSPECT): reported, never fitted or counted. */
  suspect: z.string().optional(),
  workload: z.object({
    kind: z.enum(['single', 'concurrency', 'burst']),
    concurrency: z.number().int().positive(),
    /** Null when the source does not say (a rounded claim): replayed at a short prompt and 128 output tokens. */
    inputLen: z.number().nonnegative().nullable(),
    outputLen: positive.nullable(),
    dataset: z.string(),
  }),
  measured: z.object({ decodeTokensPerSecond: positive.optional(), tpotMs: positive.optional(), ttftMs: positive.optional(), outputTokensPerSecond: positive.optional() }),
  notes: z.string().nullable().optional(),
});
export type Benchmark = z.infer<typeof BenchmarkSchema>;

/** The error classes of the issue's targets: single stream dense ±25%, MoE ±40%; batched ±50%. */
export type BenchmarkClass = 'single-dense' | 'single-moe' | 'batched';
export const CLASS_BANDS: Record<BenchmarkClass, number> = { 'single-dense': 0.25, 'single-moe': 0.4, batched: 0.5 };

export interface BenchmarkResult {
  id: string;
  engine: string;
  cls: BenchmarkClass;
  /** What is compared: decode tokens/s of one stream, or output tokens/s of the instance. */
  quantity: 'decode tok/s' | 'output tok/s';
  measured: number;
  predicted: number;
  /** predicted / measured − 1. */
  error: number;
  bound: string;
  /**
   * gpuplan's memory model says this configuration does not start, though it ran: a memory-model
   * disagreement, reported apart; its speed is not replayed (error NaN).
   */
  memoryRefused: string | null;
}

/** What one benchmark replays: the engine release, the deployment of one data-parallel rank, the instance layout. */
export interface BenchmarkSetup {
  engine: Engine;
  deployment: Deployment;
  layout: InstanceLayout;
}

function variantFor(catalog: Catalog, b: Benchmark, engine: Engine, deploymentGpu: ReturnType<typeof findGpu>): ModelVariant {
  const entry = findCatalogModel(catalog, b.model);
  const spec = specFromCatalogEntry(entry);
  const quant = findQuantization(catalog, b.quantization);
  const candidates = allVariants(spec, entry.architecture, catalog).filter((v) => v.quant.id === quant.id);
  const loadable = candidates.find((v) => engine.loadUnsupported(v) === null && engine.unsupported(v.quant, deploymentGpu, v) === null);
  // A measurement of weights gpuplan has no artifact for (an AWQ repo not catalogued) is replayed with the formula's bytes.
  return loadable ?? candidates[0] ?? modelVariant(spec, entry.architecture, countParams(entry.architecture), quant, null, 'artifact');
}

/**
 * The memory settings a benchmark's serving command fixed (quoted in its notes): vLLM's and SGLang's
 * context, memory fraction, batched tokens and running-request limit, so the replay runs what ran.
 */
export function commandSettings(text: string): { context?: number; memoryFraction?: number; overrides: Deployment['overrides'] } {
  const number = (flags: string[]): number | undefined => {
    for (const flag of flags) {
      const m = new RegExp(`${flag}[ =]([0-9.]+)`).exec(text);
      if (m?.[1]) return Number(m[1]);
    }
    return undefined;
  };
  const context = number(['--max-model-len', '--context-length']);
  const memoryFraction = number(['--gpu-memory-utilization', '--mem-fraction-static']);
  const batchedTokens = number(['--max-num-batched-tokens', '--chunked-prefill-size']);
  const maxSequences = number(['--max-num-seqs', '--max-running-requests']);
  return {
    ...(context !== undefined ? { context } : {}),
    ...(memoryFraction !== undefined ? { memoryFraction } : {}),
    overrides: { ...(batchedTokens !== undefined ? { batchedTokens } : {}), ...(maxSequences !== undefined ? { maxSequences } : {}) },
  };
}

export function benchmarkSetup(catalog: Catalog, b: Benchmark): BenchmarkSetup {
  const version = b.engineVersion ? releaseDescribing(b.engine, b.engineVersion.replace(/^v/, '')).release : null;
  const engine = engineRelease(b.engine, version);
  const gpu = findGpu(catalog, b.gpu);
  const variant = variantFor(catalog, b, engine, gpu);
  const command = commandSettings(b.notes ?? '');
  const layerSplit = engine.parallelism === 'layers';
  const moe = variant.arch.moe !== null;
  // Data-parallel ranks that share a MoE model's experts form one instance; dense ranks are independent copies.
  const dp = moe ? b.dp : 1;
  // SGLang's --enable-dp-attention splits its --tp-size GPUs into --dp-size attention ranks of tp / dp each.
  const rankTp = b.dpAttention ? Math.max(1, b.tp / b.dp) : b.tp;
  const rankGpus = layerSplit ? b.gpus : rankTp * b.pp;
  const perRank = b.workload.kind === 'burst' ? 1 : Math.ceil(b.workload.concurrency / (moe ? b.dp : 1));
  const deployment: Deployment = {
    variant,
    gpu,
    gpuCount: rankGpus,
    nodes: Math.ceil(b.gpus / gpu.maxPerNode),
    tp: layerSplit ? 1 : rankTp,
    pp: layerSplit ? b.gpus : b.pp,
    // Servers run the model's context (vLLM's max_model_len default); llama-bench sizes its cache for the test.
    context: layerSplit
      ? Math.max(512, (b.workload.inputLen ?? UNSTATED_INPUT_LEN) + (b.workload.outputLen ?? UNSTATED_OUTPUT_LEN))
      : Math.min(command.context ?? variant.arch.maxContext, variant.arch.maxContext),
    concurrency: perRank,
    kvDtype: 'auto',
    memoryFraction: command.memoryFraction ?? null,
    cpuOffload: true,
    dataParallel: dp,
    overrides: command.overrides,
  };
  return { engine, deployment, layout: { dp, expertParallel: b.expertParallel } };
}

/** Lengths a measurement is replayed at when its source does not state them (llama-bench's tg128 on an empty cache). */
const UNSTATED_INPUT_LEN = 0;
const UNSTATED_OUTPUT_LEN = 128;

export function classOf(b: Benchmark, catalog: Catalog): BenchmarkClass {
  if (b.workload.kind !== 'single') return 'batched';
  return findCatalogModel(catalog, b.model).architecture.moe ? 'single-moe' : 'single-dense';
}

/**
 * Replays one benchmark: the engine's memory model runs once, and the returned function applies
 * the speed model with the engine's constants or, for the fit script, trial ones.
 */
export function prepareBenchmark(catalog: Catalog, b: Benchmark): (constants?: PerfConstants) => BenchmarkResult {
  const { engine, deployment, layout } = benchmarkSetup(catalog, b);
  const fit = engine.fit(deployment);
  const refused = fit.verdict.status === 'wont-start' || fit.verdict.status === 'cannot-run' ? fit.verdict.message : null;
  const shape = perfShape(deployment, fit, layout);
  const { concurrency } = b.workload;
  const inputLen = b.workload.inputLen ?? UNSTATED_INPUT_LEN;
  const outputLen = b.workload.outputLen ?? UNSTATED_OUTPUT_LEN;
  // Copies of a dense model behind engine data parallel each take their share of the load.
  const copies = deployment.variant.arch.moe ? 1 : b.dp;
  const sustained = sustainedBatch(fit, layout, inputLen, outputLen);
  const base = { id: b.id, engine: b.engine, cls: classOf(b, catalog) };
  // A per-stream decode rate (or TPOT) where the source gives one; else the benchmark's output throughput, TTFT included.
  const m = b.measured;
  const single = m.decodeTokensPerSecond !== undefined || (m.outputTokensPerSecond === undefined && m.tpotMs !== undefined);
  const measured = single ? (m.decodeTokensPerSecond ?? 1000 / (m.tpotMs as number)) : (m.outputTokensPerSecond ?? Number.NaN);
  const quantity = single ? 'decode tok/s' : 'output tok/s';
  return (constants = engine.perf) => {
    if (refused) return { ...base, quantity, measured, predicted: Number.NaN, error: Number.NaN, bound: 'refused', memoryRefused: refused };
    let predicted: number;
    let bound: string;
    if (b.workload.kind === 'burst') {
      predicted = burstThroughput(shape, constants, Math.ceil(concurrency / copies), sustained, inputLen, outputLen) * copies;
      bound = 'burst';
    } else {
      const batch = b.workload.kind === 'single' ? 1 : Math.min(Math.ceil(concurrency / copies), sustained);
      const perf = estimatePerf(shape, constants, { batch, inputLen, outputLen });
      predicted = single ? perf.perSequenceTokensPerSecond : perf.outputTokensPerSecond * copies;
      bound = perf.bound;
    }
    return { ...base, quantity, measured, predicted, error: predicted / measured - 1, bound, memoryRefused: null };
  };
}

/**
 * A third of the corpus is never fitted (scripts/fit-perf.mjs): whole series — one engine, model and GPU
 * from one source — by an FNV-1a hash of the series, so no held-out measurement has a sibling of the same
 * run (another concurrency, another dataset) among the fitted ones.
 */
export function heldOut(b: Pick<Benchmark, 'engine' | 'model' | 'gpu' | 'source'>): boolean {
  const series = `${b.engine} ${b.model} ${b.gpu} ${b.source.repo ?? b.source.url}`;
  let h = 0x811c9dc5;
  for (const ch of series) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h % 3 === 0;
}

/** Counted against the targets: not speculative decoding, not suspect, replayed (the memory model let it start). */
export function counted(b: Benchmark, r: BenchmarkResult): boolean {
  return !b.speculative && !b.suspect && r.memoryRefused === null && Number.isFinite(r.error);
}

export interface AccuracyRow {
  engine: string;
  cls: BenchmarkClass;
  count: number;
  inBand: number;
  medianAbs: number;
  worst: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? Number.NaN : sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The error table: per engine and class, then every engine pooled ("all"), counted measurements only. */
export function speedAccuracy(rows: readonly { b: Benchmark; r: BenchmarkResult }[]): AccuracyRow[] {
  const out: AccuracyRow[] = [];
  const engines = [...new Set(rows.map(({ b }) => b.engine))].sort();
  for (const engine of [...engines, 'all']) {
    for (const cls of Object.keys(CLASS_BANDS) as BenchmarkClass[]) {
      const sel = rows.filter(({ b, r }) => counted(b, r) && r.cls === cls && (engine === 'all' || b.engine === engine));
      if (sel.length === 0) continue;
      const band = CLASS_BANDS[cls];
      const errors = sel.map(({ r }) => r.error);
      out.push({
        engine,
        cls,
        count: sel.length,
        inBand: sel.filter(({ r }) => Math.abs(r.error) <= band).length,
        medianAbs: median(errors.map(Math.abs)),
        worst: errors.reduce((w, e) => (Math.abs(e) > Math.abs(w) ? e : w), 0),
      });
    }
  }
  return out;
}

const ENGINE_NAMES: Record<string, string> = { vllm: 'vLLM', sglang: 'SGLang', llamacpp: 'llama.cpp', ollama: 'Ollama', all: '**all engines**' };
const CLASS_NAMES: Record<BenchmarkClass, string> = { 'single-dense': 'single stream, dense', 'single-moe': 'single stream, MoE', batched: 'fixed batch and saturated' };

function percent(n: number): string {
  const s = `${(n * 100).toFixed(0)}%`;
  return n > 0 ? `+${s}` : s.replace('-', '−');
}

/** The README's speed table (Markdown), with the measurements left out and why. */
export function formatSpeedAccuracy(rows: readonly AccuracyRow[], all: readonly { b: Benchmark; r: BenchmarkResult }[]): string {
  const lines = [
    '| engine | class | band | measurements | inside the band | median error | worst error |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${ENGINE_NAMES[r.engine] ?? r.engine} | ${CLASS_NAMES[r.cls]} | ±${CLASS_BANDS[r.cls] * 100}% | ${r.count} | ${r.inBand} (${((100 * r.inBand) / r.count).toFixed(0)}%) | ${(r.medianAbs * 100).toFixed(0)}% | ${percent(r.worst)} |`,
    ),
  ];
  const speculative = all.filter(({ b }) => b.speculative).length;
  const suspect = all.filter(({ b }) => b.suspect);
  const refused = all.filter(({ b, r }) => !b.speculative && !b.suspect && r.memoryRefused !== null);
  lines.push(
    '',
    `${all.length} published measurements; error = (gpuplan − measured) / measured. The constants are fitted to every counted measurement; fitted to two thirds of the series and measured on the rest they do as [CROSS-VALIDATION.md](test/fixtures/benchmarks/CROSS-VALIDATION.md) shows. Not counted: ${speculative} speculative-decoding runs, ${suspect.length} whose source contradicts them (${suspect.map(({ b }) => `\`${b.id}\``).join(', ')}), and ${refused.length} that gpuplan's memory model says would not start though they ran:`,
    '',
    ...[...new Set(refused.map(({ b, r }) => `- ${b.model} ${b.quantization} on ${b.gpus} × ${b.gpu}, ${b.engine}: ${r.memoryRefused}`))],
  );
  return lines.join('\n');
}
