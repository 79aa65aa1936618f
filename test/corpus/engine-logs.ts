/**
 * The corpus of published engine start-up logs (test/fixtures/engine-logs/, README there)
 * and what gpuplan predicts for each: the same model, GPU and settings through the
 * engine release matching the log's version, each printed quantity compared.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { findGpu, findQuantization } from '../../src/catalog/lookup.js';
import { modelFromConfig } from '../../src/catalog/config-file.js';
import { specFromCatalogEntry, type ModelSpec } from '../../src/catalog/model.js';
import { HfConfigSchema, liftTextConfig } from '../../src/catalog/schema.js';
import { findCatalogModel } from '../../src/catalog/lookup.js';
import type { EngineId, KvDtype } from '../../src/engines/ids.js';
import { compareVersions } from '../../src/engines/descriptor.js';
import { descriptorOf } from '../../src/engines/registry.js';
import type { Deployment, EngineFit, EngineOverrides } from '../../src/engines/types.js';
import { modelVariant, sixteenBitCheckpoint } from '../../src/engines/variant.js';
import { countParams } from '../../src/memory/params.js';
import { GiB, MiB } from '../../src/memory/units.js';
import { catalog, fixture } from '../helpers.js';

const value = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const LogFixtureSchema = z.object({
  id: z.string(),
  engine: z.enum(['vllm', 'sglang', 'llamacpp', 'ollama']),
  engineVersion: z.string().min(1),
  versionEvidence: z.string().min(1),
  source: z.object({ url: z.string().url(), repo: z.string().nullish(), where: z.string().min(1), date: z.union([z.string(), z.date()]).nullish() }),
  model: z.object({
    hf: z.string().nullish(),
    catalog: z.string().nullable(),
    dtype: z.string().nullish(),
    quantization: z.string().nullish(),
    file: z.string().nullish(),
    config: z.record(z.string(), z.unknown()).nullish(),
  }),
  gpu: z.object({ name: z.string(), catalog: z.string(), count: z.number().int().positive() }),
  settingsComplete: z.boolean(),
  settings: z.record(z.string(), z.union([value, z.record(z.string(), value), z.array(value)])),
  quoted: z.array(z.string().min(1)).min(1),
  observed: z.record(z.string(), z.union([z.number(), z.record(z.string(), z.number())])),
  notes: z.string().nullish(),
  /** True when one of gpuplan's constants was fitted to this log: its error is not a held-out one. */
  fittedTo: z.boolean().optional(),
  /** How the engine failed after the quoted lines, when it did (the run did not start). */
  failed: z.string().min(1).nullish(),
  /** Why gpuplan cannot reproduce this log (it stays in the table; the never-optimistic check names it instead of failing). */
  knownOutlier: z.string().min(1).nullish(),
});
export type LogFixture = z.infer<typeof LogFixtureSchema>;

export const ENGINE_LOG_DIR = fixture('engine-logs');

export function loadLogFixtures(): LogFixture[] {
  const out: LogFixture[] = [];
  for (const engine of (process.env.CORPUS_ENGINES ?? 'vllm,sglang,llamacpp,ollama').split(',')) {
    for (const file of readdirSync(join(ENGINE_LOG_DIR, engine))
      .filter((f) => f.endsWith('.yaml'))
      .sort()) {
      const raw = parse(readFileSync(join(ENGINE_LOG_DIR, engine, file), 'utf8'));
      const parsed = LogFixtureSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`${engine}/${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      if (`${parsed.data.id}.yaml` !== file) throw new Error(`${engine}/${file}: id ${parsed.data.id} does not match the file name`);
      out.push(parsed.data);
    }
  }
  return out;
}

/** The gpuplan release a log's version behaves as (EngineDescriptor.releaseFor). */
export function releaseFor(engine: EngineId, version: string): string {
  return descriptorOf(engine).releaseFor(version);
}

const setting = (f: LogFixture, ...keys: string[]) => {
  for (const key of keys) {
    const v = f.settings[key];
    if (v !== undefined && v !== null) return v;
  }
  return null;
};
const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : null);

function modelOf(f: LogFixture): ModelSpec {
  if (f.model.catalog) return specFromCatalogEntry(findCatalogModel(catalog, f.model.catalog));
  if (!f.model.config) throw new Error(`${f.id}: neither a catalog model nor a config`);
  const config = HfConfigSchema.parse(liftTextConfig(f.model.config));
  return modelFromConfig(catalog, config, { where: f.id, hfRepo: f.model.hf ?? null, localDir: null, checkpointBytes: null, checkpointSizeSource: null });
}

/** The catalog quantization a log's model ran in, and whether the engine made it at load time. */
function quantizationOf(f: LogFixture, model: ModelSpec): { id: string; online: boolean } {
  const text = `${f.model.quantization ?? ''} ${f.settings.quantization ?? ''}`.toLowerCase();
  const online = /online/.test(text);
  const gguf = (f.model.quantization ?? '').toLowerCase().replace(/-/g, '_');
  if (f.engine === 'llamacpp' || f.engine === 'ollama') return { id: gguf, online: false };
  if (/mxfp4/.test(text)) return { id: model.nativeQuantization, online: false };
  if (/fp8/.test(text)) return { id: 'fp8', online };
  if (/awq/.test(text)) return { id: 'awq-int4', online: false };
  if (/gptq/.test(text)) return { id: 'gptq-int4', online: false };
  if (/w8a8|int8/.test(text)) return { id: 'int8', online: false };
  if (f.model.dtype === 'float16' || setting(f, 'dtype') === 'float16' || setting(f, 'dtype') === 'half') return { id: 'fp16', online: model.nativeQuantization !== 'fp16' };
  return { id: model.nativeQuantization, online: false };
}

/** Ollama's default num_ctx at a version (api/types.go, envconfig OLLAMA_CONTEXT_LENGTH): 2,048 until 0.6.6, 4,096 from 0.6.8. */
function ollamaDefaultContext(version: string): number {
  return compareVersions(version, '0.6.7') < 0 ? 2048 : 4096;
}

/** llama.cpp's -c default (common/common.h n_ctx = 4096). */
const LLAMACPP_DEFAULT_CONTEXT = 4096;

export interface Replay {
  fixture: LogFixture;
  release: string;
  deployment: Deployment;
  fit: EngineFit;
}

export function replay(f: LogFixture): Replay {
  const model = modelOf(f);
  const arch = model.architecture;
  if (!arch) throw new Error(`${f.id}: no architecture`);
  const q = quantizationOf(f, model);
  const quant = findQuantization(catalog, q.id);
  const artifact = q.online ? sixteenBitCheckpoint(model) : (model.artifacts.find((a) => a.quantization === quant.id) ?? null);
  const variant = modelVariant(model, arch, countParams(arch), quant, artifact, q.online ? 'online' : 'artifact');
  const gpu = findGpu(catalog, f.gpu.catalog);
  const tp = num(setting(f, 'tensor_parallel_size', 'tp_size')) ?? 1;
  const pp = num(setting(f, 'pipeline_parallel_size', 'pp_size')) ?? 1;
  const gpuCount = f.engine === 'llamacpp' || f.engine === 'ollama' ? f.gpu.count : tp * pp;
  // Ollama's scheduler picks 1 request at a time when the default parallelism does not fit (every such log here).
  const slots = num(setting(f, 'n_parallel', 'num_parallel')) ?? 1;
  const ctx =
    num(setting(f, 'max_model_len', 'num_ctx', 'context_length', 'n_ctx')) ??
    (f.engine === 'ollama' ? ollamaDefaultContext(f.engineVersion) : f.engine === 'llamacpp' ? LLAMACPP_DEFAULT_CONTEXT : arch.maxContext);
  const context = f.engine === 'llamacpp' ? Math.floor(ctx / slots) : ctx;
  const kvSetting = String(setting(f, 'kv_cache_dtype', 'cache_type_k', 'kv_cache_type') ?? 'auto');
  const kvDtype = kvSetting as KvDtype;
  const overrides: EngineOverrides = {};
  const batched = num(setting(f, 'max_num_batched_tokens', 'chunked_prefill_size', 'n_batch'));
  if (batched !== null) overrides.batchedTokens = batched;
  const seqs = num(setting(f, 'max_num_seqs', 'max_running_requests'));
  if (seqs !== null) overrides.maxSequences = seqs;
  if (setting(f, 'enforce_eager', 'disable_cuda_graph') === true) overrides.eager = true;
  const graphBs = num(setting(f, 'cuda_graph_max_bs'));
  if (graphBs !== null) overrides.cudaGraphMaxBatch = graphBs;
  if (f.engine === 'llamacpp') overrides.valueCacheType = (setting(f, 'cache_type_v') ?? 'f16') as KvDtype;
  const ubatch = num(setting(f, 'n_ubatch'));
  if (ubatch !== null) overrides.ubatch = ubatch;
  const fa = setting(f, 'flash_attn', 'flash_attention');
  if (fa !== null) overrides.flashAttention = fa === true || fa === 'on' || fa === 1 || fa === '1' || fa === 'true';
  // Ollama before 0.12 left flash attention off unless OLLAMA_FLASH_ATTENTION was set (envconfig).
  else if (f.engine === 'ollama' && compareVersions(f.engineVersion, '0.12') < 0) overrides.flashAttention = false;
  const ngl = num(setting(f, 'n_gpu_layers', 'num_gpu'));
  if (ngl !== null && ngl >= 0) overrides.gpuLayers = ngl;
  const release = releaseFor(f.engine, f.engineVersion);
  const engine = descriptorOf(f.engine).at(release);
  const deployment: Deployment = {
    variant,
    gpu,
    gpuCount,
    nodes: 1,
    tp: f.engine === 'vllm' || f.engine === 'sglang' ? tp : 1,
    pp: f.engine === 'vllm' || f.engine === 'sglang' ? pp : gpuCount,
    context,
    concurrency: f.engine === 'vllm' || f.engine === 'sglang' ? 1 : slots,
    kvDtype,
    memoryFraction: num(setting(f, 'gpu_memory_utilization', 'mem_fraction_static')),
    cpuOffload: true,
    overrides,
  };
  return { fixture: f, release, deployment, fit: engine.fit(deployment) };
}

export interface Comparison {
  id: string;
  engine: EngineId;
  quantity: string;
  observed: number;
  predicted: number;
  /** (predicted − observed) / observed. */
  error: number;
  /** A positive error promises more than the engine gives (KV) or needs less than it takes (weights, buffers). */
  optimistic: boolean;
  settingsComplete: boolean;
  knownOutlier: boolean;
  fittedTo: boolean;
}

const obs = (f: LogFixture, key: string) => {
  const v = f.observed[key];
  return typeof v === 'number' ? v : null;
};
const sumCuda = (v: unknown) =>
  v && typeof v === 'object'
    ? Object.entries(v as Record<string, number>)
        .filter(([k]) => /^(CUDA|ROCm)\d+$/i.test(k))
        .reduce((s, [, n]) => s + n, 0)
    : 0;

/** Every quantity of a log gpuplan predicts. */
export function compare(r: Replay): Comparison[] {
  const f = r.fixture;
  const out: Comparison[] = [];
  const push = (quantity: string, observed: number | null, predicted: number, moreIsOptimistic: boolean) => {
    if (observed === null || observed === 0) return;
    const error = (predicted - observed) / observed;
    out.push({
      id: f.id,
      engine: f.engine,
      quantity,
      observed,
      predicted,
      error,
      optimistic: moreIsOptimistic ? error > 0 : error < 0,
      settingsComplete: f.settingsComplete,
      knownOutlier: Boolean(f.knownOutlier),
      fittedTo: f.fittedTo === true,
    });
  };
  const fit = r.fit;
  if (f.engine === 'vllm') {
    push('weights', obs(f, 'modelLoadingGiB'), fit.perGpu.weights / GiB, false);
    push('available KV', obs(f, 'availableKvGiB'), fit.availableKvBytes / GiB, true);
    push('KV tokens', obs(f, 'kvTokens'), fit.kvCacheTokens, true);
    if (obs(f, 'concurrencyTokens') === r.deployment.context) push('max concurrency', obs(f, 'maxConcurrency'), fit.maxConcurrency, true);
  } else if (f.engine === 'sglang') {
    push('weights', obs(f, 'weightsGB'), fit.perGpu.weights / GiB, false);
    push('KV tokens', obs(f, 'kvTokens'), fit.kvCacheTokens, true);
  } else if (f.engine === 'llamacpp') {
    push('KV buffers', sumCuda(f.observed.kvBufferMiB) || null, (fit.gpuKvBytes ?? 0) / MiB, false);
    // -ot/--override-tensor moves chosen tensors between devices, which gpuplan does not plan: only the KV buffers compare.
    if (/(^|\s)(-ot|--override-tensor)\s/.test(String(f.settings.command ?? ''))) return out;
    const buffers = sumCuda(f.observed.modelBufferMiB) + sumCuda(f.observed.kvBufferMiB) + sumCuda(f.observed.computeBufferMiB);
    push('GPU buffers', buffers || null, (fit.gpuBufferBytes ?? 0) / MiB, false);
  } else {
    push('total VRAM', obs(f, 'requiredFullGiB') ?? obs(f, 'totalVramGiB'), (fit.totalVramBytes ?? 0) / GiB, false);
    push('layers offloaded', obs(f, 'offloadedLayers'), fit.gpuLayers ?? 0, true);
  }
  return out;
}

export interface AccuracyRow {
  engine: EngineId;
  quantity: string;
  cases: number;
  medianAbs: number;
  /** Cases of logs no constant was fitted to, and their median. */
  heldOut: number;
  heldOutMedianAbs: number | null;
  worst: number;
  optimisticOver3: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export function accuracyTable(comparisons: Comparison[]): AccuracyRow[] {
  const keys = [...new Set(comparisons.map((c) => `${c.engine}\t${c.quantity}`))];
  return keys.map((key) => {
    const [engine, quantity] = key.split('\t') as [EngineId, string];
    const cs = comparisons.filter((c) => c.engine === engine && c.quantity === quantity);
    const worst = cs.reduce((w, c) => (Math.abs(c.error) > Math.abs(w) ? c.error : w), 0);
    const held = cs.filter((c) => !c.fittedTo);
    return {
      engine,
      quantity,
      cases: cs.length,
      medianAbs: median(cs.map((c) => Math.abs(c.error))),
      heldOut: held.length,
      heldOutMedianAbs: held.length ? median(held.map((c) => Math.abs(c.error))) : null,
      worst,
      optimisticOver3: cs.filter((c) => c.optimistic && Math.abs(c.error) > 0.03).length,
    };
  });
}

const pct = (x: number) => (Math.abs(x) < 0.0005 ? '0.0%' : `${x > 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}%`);

export function formatAccuracy(rows: AccuracyRow[], logs: number, outliers: readonly LogFixture[] = []): string {
  const names: Record<EngineId, string> = { vllm: 'vLLM', sglang: 'SGLang', llamacpp: 'llama.cpp', ollama: 'Ollama' };
  const lines = [
    `| engine | quantity | logs | median error | worst error | optimistic by > 3% | held-out logs | held-out median |`,
    `|---|---|---|---|---|---|---|---|`,
    ...rows.map(
      (r) =>
        `| ${names[r.engine]} | ${r.quantity} | ${r.cases} | ${(r.medianAbs * 100).toFixed(1)}% | ${pct(r.worst)} | ${r.optimisticOver3} | ${r.heldOut} | ${r.heldOutMedianAbs === null ? '—' : `${(r.heldOutMedianAbs * 100).toFixed(1)}%`} |`,
    ),
  ];
  const known = outliers.map((f) => `- \`${f.id}\`: ${f.knownOutlier}`);
  return `${lines.join('\n')}\n\n${logs} published start-up logs; error = (gpuplan − engine) / engine. Held out: logs no constant of gpuplan was fitted to (\`fittedTo\` in the fixture). Optimistic: more KV or offloaded layers, or less memory, than the engine had.${known.length ? `\nLogs gpuplan does not reproduce (counted above):\n\n${known.join('\n')}` : ''}`;
}
