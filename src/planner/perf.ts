/**
 * From an engine's fit to the speed model's numbers (perf/model.ts), and the batch an engine
 * sustains. Pure. Used by the search, `estimate` and the benchmark corpus test alike.
 */
import { attentionFlopsPerContextToken, estimatePerf, expertFormatOf, type PerfEstimate, type PerfShape, type Workload } from '../perf/model.js';
import type { Gpu, Quantization } from '../catalog/schema.js';
import { ccAtLeast } from '../engines/common.js';
import type { Deployment, Engine, EngineFit } from '../engines/types.js';

/** How one instance is laid out beyond TP × PP: data-parallel ranks and expert parallel. */
export interface InstanceLayout {
  /** Attention data-parallel ranks (1: none). Each rank is a TP × PP group; MoE experts are shared by all. */
  dp: number;
  expertParallel: boolean;
}

export const SINGLE_RANK: InstanceLayout = { dp: 1, expertParallel: false };

/** The weights run on FP8 tensor cores: the quantization computes natively in FP8 on this GPU. */
export function computesInFp8(quant: Quantization, gpu: Gpu): boolean {
  return quant.nativeComputeCapability !== null && ccAtLeast(gpu, quant.nativeComputeCapability) && gpu.fp8Tflops !== null;
}

/**
 * The speed model's view of a deployment: what one column of GPUs (one per pipeline stage) reads per step.
 * llama.cpp's layer split runs its GPUs one after another, so the whole model is one column there.
 */
export function perfShape(d: Deployment, fit: EngineFit, layout: InstanceLayout = SINGLE_RANK): PerfShape {
  const { variant, gpu } = d;
  const { arch, params, quant } = variant;
  const layerSplit = fit.gpuLayers !== null;
  const tp = layerSplit ? 1 : d.tp;
  const pp = layerSplit ? 1 : d.pp;
  const dp = arch.moe ? layout.dp : 1;
  const expertShards = arch.moe ? tp * dp : tp;
  const l = variant.layout;
  const routed = l.layerExperts.reduce((s, b) => s + b, 0);
  // The embedding table is gathered a row per token, not read; a tied one is read whole as the lm_head.
  const gathered = arch.tiedEmbeddings ? 0 : l.embeddings;
  const hostShare = fit.hostWeightBytes / Math.max(1, l.total);
  const gpuShare = 1 - hostShare;
  const moe = arch.moe;
  const expertActiveParams = moe ? (params.groups.routedExperts * moe.expertsPerToken) / moe.routedExperts : 0;
  // Layers left in host RAM are read by the CPU; of their experts only those a token picks.
  const hostReadShare = params.active / params.total;
  return {
    gpu,
    fp8Compute: computesInFp8(quant, gpu),
    tp,
    pp,
    dp,
    expertShards,
    expertParallel: layout.expertParallel && expertShards > 1,
    multiNode: d.nodes > 1,
    layers: arch.layers,
    moeLayers: moe ? l.layerExperts.filter((b) => b > 0).length : 0,
    hiddenSize: arch.hiddenSize,
    experts: moe ? { count: moe.routedExperts, perToken: moe.expertsPerToken } : null,
    expertFormat: expertFormatOf(quant.id),
    denseBytes: (Math.max(0, l.total - routed - gathered) * gpuShare) / tp,
    expertBytes: (routed * gpuShare) / expertShards,
    hostBytes: fit.hostWeightBytes * hostReadShare,
    denseActiveParams: params.active - expertActiveParams,
    expertActiveParams,
    kvBytesPerToken: fit.kv.perLayerPerTokenPerGpu * fit.kv.attentionLayers,
    stateBytesPerSequence: fit.state ? fit.state.perSequence / tp : 0,
    attentionFlopsPerContextToken: attentionFlopsPerContextToken(arch, fit.kv.attentionLayers),
    graphTokens: fit.cudaGraphMaxTokens,
    prefillChunkTokens: prefillChunk(fit.settings),
  };
}

/** The prompt tokens a step carries at most: the engine's batched-token setting, else llama.cpp's default batch of 2048. */
function prefillChunk(settings: EngineFit['settings']): number {
  const value = settings['max-num-batched-tokens'] ?? settings['chunked-prefill-size'] ?? settings['batch-size'];
  return typeof value === 'number' && value > 0 ? value : LLAMACPP_BATCH;
}

/** llama.cpp's --batch-size default (common/common.h n_batch = 2048). */
const LLAMACPP_BATCH = 2048;

/**
 * The most requests an instance runs at once on this workload: the engine's running-request limit
 * per rank, and what each rank's KV pool holds of requests at their full length (input + output),
 * times the data-parallel ranks.
 */
export function sustainedBatch(fit: EngineFit, layout: InstanceLayout, inputLen: number, outputLen: number): number {
  const perSequence = inputLen + outputLen;
  const byPool = fit.kv.perTokenPerGpu > 0 ? Math.floor(fit.kvCacheTokens / perSequence) : Number.POSITIVE_INFINITY;
  return Math.max(1, Math.min(fit.maxRunningRequests, byPool)) * layout.dp;
}

/** Speed of one instance at `batch` requests in flight, with the engine's fitted constants. */
export function instancePerf(engine: Engine, d: Deployment, fit: EngineFit, workload: Workload, layout: InstanceLayout = SINGLE_RANK): PerfEstimate {
  return estimatePerf(perfShape(d, fit, layout), engine.perf, workload);
}
