/**
 * `gpuplan estimate --gpu G --engine E`: the generic estimate replaced by what the
 * engine itself will allocate on each GPU (docs/ARCHITECTURE.md: for vLLM `capacity`
 * is gpu_memory_utilization × memory and `kvCacheTokens` the pool it logs; for
 * Ollama/llama.cpp `total` is the real footprint), with the engine's verdict.
 */
import type { Architecture } from '../catalog/architecture.js';
import type { ModelSpec } from '../catalog/model.js';
import type { Artifact, Gpu, Quantization } from '../catalog/schema.js';
import type { Estimate } from '../memory/estimate.js';
import { countParams } from '../memory/params.js';
import { roundedPerGpu, runnableLayouts, wholeBytes } from './common.js';
import type { Deployment, Engine, EngineFit, KvDtype } from './types.js';
import { cannotRun, fits, type Verdict } from './verdict.js';
import { modelVariant, sixteenBitCheckpoint } from './variant.js';

export interface EngineEstimateInput {
  base: Estimate;
  engine: Engine;
  model: ModelSpec & { architecture: Architecture };
  quant: Quantization;
  artifact: Artifact | null;
  gpu: Gpu;
  tp: number;
  pp: number;
  /** Data-parallel ranks (each TP × PP GPUs); with a MoE model they share the experts. */
  dp: number;
  /** GPUs in all: dp × tp × pp for vLLM/SGLang; llama.cpp and Ollama split layers over them. */
  gpus: number;
  kvDtype: KvDtype;
  memoryFraction: number | null;
}

/** The engine's view, and for the speed estimate the deployment of one rank and its fit (null when the engine cannot run it). */
export interface EngineEstimateResult {
  estimate: Estimate;
  run: { deployment: Deployment; fit: EngineFit } | null;
}

/** The engine's view of one configuration; `fits: false` with the engine's reason when it cannot run or will not start. */
export function engineEstimate(i: EngineEstimateInput): EngineEstimateResult {
  const arch = i.model.architecture;
  const params = countParams(arch);
  const online = !i.artifact && i.engine.onlineQuantizations.includes(i.quant.id);
  // The asked quantization's artifact this engine can load (an Ollama tag for Ollama, a GGUF file for llama.cpp), else the first.
  const loadable = i.model.artifacts
    .filter((a) => a.quantization === i.quant.id && a !== i.artifact)
    .map((a) => modelVariant(i.model, arch, params, i.quant, a, 'artifact'))
    .find((v) => i.engine.loadUnsupported(v) === null);
  const asked = modelVariant(i.model, arch, params, i.quant, i.artifact, 'artifact');
  const variant = online ? modelVariant(i.model, arch, params, i.quant, sixteenBitCheckpoint(i.model), 'online') : i.engine.loadUnsupported(asked) === null || !loadable ? asked : loadable;
  const layerSplit = i.engine.parallelism === 'layers';
  // One data-parallel rank: TP × PP GPUs (the whole layer split for llama.cpp and Ollama).
  const gpuCount = layerSplit ? i.gpus : i.tp * i.pp;
  const nodes = Math.ceil(gpuCount / i.gpu.maxPerNode);
  const layouts = runnableLayouts(i.engine, variant, i.gpu, gpuCount, nodes);
  // Engines that split whole layers run any count of GPUs; tensor engines must run this exact TP × PP.
  const refusal: Verdict | null = !Array.isArray(layouts)
    ? layouts
    : !layerSplit && !layouts.some((l) => l.tp === i.tp && l.pp === i.pp)
      ? cannotRun('layout-unsupported', `${i.engine.name} cannot run TP ${i.tp} × PP ${i.pp} on ${gpuCount} × ${i.gpu.id} over ${nodes} node(s)`)
      : null;
  if (refusal) {
    const logLines = refusal.engineMessage ? [refusal.engineMessage] : [];
    const estimate: Estimate = {
      ...i.base,
      fits: false,
      verdict: refusal,
      engine: { engine: i.engine.id, name: i.engine.name, version: i.engine.version, availableKvBytes: 0, kvPoolTokens: 0, maxConcurrency: 0, logLines, verdict: refusal },
      notes: [`${i.engine.name} ${i.engine.version}: ${refusal.message}`, ...i.base.notes],
    };
    return { estimate, run: null };
  }
  const deployment: Deployment = {
    variant,
    gpu: i.gpu,
    gpuCount,
    nodes,
    tp: layerSplit ? 1 : i.tp,
    pp: layerSplit ? gpuCount : i.pp,
    context: i.base.context,
    concurrency: i.base.concurrency,
    kvDtype: i.kvDtype,
    memoryFraction: i.memoryFraction,
    cpuOffload: false,
    ...(arch.moe && i.dp > 1 ? { dataParallel: i.dp } : {}),
  };
  const fit = i.engine.fit(deployment);
  const estimate: Estimate = {
    ...i.base,
    perGpu: roundedPerGpu(fit, i.gpu.memoryBytes),
    kvCacheTokens: wholeBytes(fit.kvCacheTokens),
    // The engine's own view: its KV dtype's bytes per token and its dtypes for the state.
    kvBytesPerToken: fit.kv.perToken,
    stateBytesPerSequence: Math.round(fit.state?.perSequence ?? 0),
    fits: fits(fit.verdict),
    verdict: fit.verdict,
    engine: {
      engine: i.engine.id,
      name: i.engine.name,
      version: i.engine.version,
      availableKvBytes: wholeBytes(fit.availableKvBytes),
      kvPoolTokens: wholeBytes(fit.kvCacheTokens),
      maxConcurrency: Math.round(fit.maxConcurrency * 100) / 100,
      logLines: fit.logLines,
      verdict: fit.verdict,
    },
    terms: fit.terms.map((t) => ({ ...t, bytes: wholeBytes(t.bytes) })),
    notes: [
      ...(fits(fit.verdict) ? [] : [`${i.engine.name} ${fit.verdict.status === 'reduced-concurrency' ? 'starts with fewer requests at once' : 'will not start'}: ${fit.verdict.message}`]),
      ...fit.notes,
    ],
  };
  return { estimate, run: { deployment, fit } };
}
