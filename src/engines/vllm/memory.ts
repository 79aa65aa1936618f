/**
 * vLLM's memory accounting, following the V1 engine of each release in releases.ts
 * (the release's own defaults are passed in). The steps mirror vllm/v1/worker/gpu_worker.py
 * determine_available_memory and vllm/v1/core/kv_cache_utils.py:
 *
 *   requested  = gpu_memory_utilization × total memory as CUDA reports it
 *   available  = requested − weights − torch activation peak (profile_run at
 *                max_num_batched_tokens / max_num_seqs) − non-torch memory (NCCL,
 *                custom all-reduce) [− CUDA graph estimate, releases ≥ 0.21]
 *   KV blocks  = available // (block_size × KV bytes per token per layer × group size)
 *
 * (kv-groups.ts has the block arithmetic). The activation, non-torch and CUDA-graph terms
 * are measured by vLLM at start-up, not computed from a formula in its source: gpuplan's
 * constants for them (releases.ts, `profile`) are fitted to the published start-up logs
 * in test/fixtures/engine-logs/vllm/.
 *
 * and vLLM refuses to start when one sequence of max_model_len does not fit.
 * Releases that capture CUDA graphs after the KV cache is allocated keep them, with
 * the CUDA context, in the (1 − utilization) reserve; releases that profile them first
 * (`cudaGraphsInBudget`) take them out of `available`.
 */
import type { Architecture } from '../../catalog/architecture.js';
import { layerBlocks } from '../../catalog/layers.js';
import type { Gpu } from '../../catalog/schema.js';
import { FUSED_MOE_CHUNK_TOKENS, inferenceActivationPeak } from '../../memory/activations.js';
import { kvLayout } from '../../memory/kvcache.js';
import { stateLayout, vllmStateDtypes } from '../../memory/state.js';
import { CUDA_CONTEXT_BYTES, cudaTotalBytes } from '../../memory/overhead.js';
import { GiB, thousands } from '../../memory/units.js';
import { pipelineStageLayers, stageWeights } from '../../memory/weights.js';
import { allOnGpu, gib, loadPeakVerdict, onlineQuantizationSettings } from '../common.js';
import type { Deployment, EngineFit } from '../types.js';
import { cannotRun, FITS, reducedConcurrency, wontStart, type Verdict } from '../verdict.js';
import { kernelBlockAlignment, vllmKv, type VllmLayerKind } from './kv-groups.js';
import type { VllmRelease } from './releases.js';

/**
 * Defaults `vllm serve` picks for the batch (EngineArgs._set_default_args for
 * UsageContext.OPENAI_API_SERVER): large GPUs that are not excluded by device name get
 * the large budget; the rest the small one.
 */
export function servingDefaults(release: VllmRelease, gpu: Gpu): { maxNumBatchedTokens: number; maxNumSeqs: number } {
  const d = release.servingDefaults;
  const large = gpu.memoryBytes >= d.largeGpuMinGiB * GiB && !d.smallGpuIds.includes(gpu.id);
  return large ? d.large : d.small;
}

/**
 * vLLM refuses float16 for some model types (vllm/config/model.py _check_valid_dtype), so a
 * Gemma 2/3 plan in fp16 (`--dtype half`, e.g. for GPUs without bf16) would not start.
 */
export function float16Refusal(release: VllmRelease, variant: Deployment['variant']): Verdict | null {
  if (variant.quant.id !== 'fp16' || !release.float16Refused.includes(variant.arch.modelType)) return null;
  return cannotRun(
    'dtype-refused',
    `vLLM refuses float16 for ${variant.arch.modelType} models (numerical instability); run it in bf16 (compute capability ≥ 8.0) or float32`,
    `ValueError: The model type '${variant.arch.modelType}' does not support float16. Reason: Numerical instability. Please use bfloat16 or float32 instead.`,
  );
}

/** Python's round(x, 2) as vLLM's format_gib prints it: 1.0, 0.58. */
function formatGib(bytes: number): string {
  const n = Math.round((bytes / GiB) * 100) / 100;
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

/** check_enough_kv_cache_memory's ValueError in the release's own words (vllm/v1/core/kv_cache_utils.py at each release). */
export function kvErrorMessage(release: VllmRelease, context: number, needed: number, available: number, estimatedMax: number): string {
  const estimated = `Based on the available memory, the estimated maximum model length is ${estimatedMax}.`;
  const docs = 'See https://docs.vllm.ai/en/latest/configuration/conserving_memory/ for more details.';
  switch (release.kvErrorWording) {
    case 'models-typo':
      return `ValueError: To serve at least one request with the models's max seq len (${context}), (${(needed / GiB).toFixed(2)} GiB KV cache is needed, which is larger than the available KV cache memory (${(available / GiB).toFixed(2)} GiB). ${estimated} Try increasing \`gpu_memory_utilization\` or decreasing \`max_model_len\` when initializing the engine.`;
    case 'models-typo-docs':
      return `ValueError: To serve at least one request with the models's max seq len (${context}), (${formatGib(needed)} GiB KV cache is needed, which is larger than the available KV cache memory (${formatGib(available)} GiB). ${estimated} Try increasing \`gpu_memory_utilization\` or decreasing \`max_model_len\` when initializing the engine. ${docs}`;
    case 'model-cpu-docs':
      return `ValueError: To serve at least one request with the model's max seq len (${context}), (${formatGib(needed)} GiB KV cache is needed, which is larger than the available KV cache memory (${formatGib(available)} GiB). ${estimated} Try increasing \`gpu_memory_utilization\` (which also controls CPU memory on the CPU backend) or decreasing \`max_model_len\` when initializing the engine. ${docs}`;
  }
}

/**
 * Tokens × experts × widths of the fused-MoE workspaces vLLM keeps between calls
 * (workspace13: max(2·I/TP, H), workspace2: I/TP, bf16), which stay allocated while the
 * dummy sampler runs.
 */
function moeWorkspaceBytes(arch: Architecture, tokens: number, tp: number): number {
  if (!arch.moe) return 0;
  const i = arch.moe.expertIntermediateSize / tp;
  return Math.min(tokens, FUSED_MOE_CHUNK_TOKENS) * arch.moe.expertsPerToken * (Math.max(2 * i, arch.hiddenSize) + i) * 2;
}

/**
 * The torch activation peak of vLLM's profile_run on one GPU (gpu_model_runner.py
 * profile_run): the dummy forward over max_num_batched_tokens, or the dummy sampler run on
 * min(max_num_seqs, tokens) requests with the MoE workspaces still held, whichever is
 * larger. Pipeline stages other than the last run no sampler.
 */
export function profileActivationPeak(release: VllmRelease, arch: Architecture, tokens: number, sequences: number, tp: number, lastStage = true): { bytes: number; formula: string } {
  const p = release.profile;
  const forward = inferenceActivationPeak(arch, tokens, 0, tp);
  const forwardBytes = forward.bytes * p.forwardScale;
  const requests = Math.min(sequences, tokens);
  const workspace = moeWorkspaceBytes(arch, tokens, tp);
  const samplerBytes = lastStage ? requests * arch.vocabSize * p.samplerBytesPerLogit + workspace : 0;
  return {
    bytes: Math.max(forwardBytes, samplerBytes),
    formula:
      `max(forward of ${thousands(tokens)} tokens ${gib(forwardBytes)} (${p.forwardScale} × ${forward.formula}), ` +
      `sampler ${requests} requests × ${thousands(arch.vocabSize)} vocab × ${p.samplerBytesPerLogit} B${workspace ? ` + MoE workspace ${gib(workspace)}` : ''})`,
  };
}

/** Non-torch memory profile_run measures on one GPU: cuBLAS handles, and with TP > 1 NCCL and custom all-reduce buffers. */
export function nonTorchBytes(release: VllmRelease, gpu: Gpu, tp: number, pp: number): number {
  const n = release.profile.nonTorch;
  if (tp * pp === 1) return n.single;
  if (tp === 1) return n.pipelineOnly;
  const parallel = gpu.interconnect.kind === 'pcie' ? n.tensorParallelPcie : n.tensorParallel;
  return parallel.base + parallel.perRank * tp;
}

/** MXFP4 MoE kernels pad an expert's hidden and per-rank intermediate sizes to this multiple. */
const MXFP4_EXPERT_ALIGNMENT = 256;

/**
 * Weights as vLLM holds them on a GPU of each stage: the checkpoint's share, plus the padding
 * its MXFP4 MoE kernels give the experts (hidden and per-rank intermediate rounded up to
 * 256: gpt-oss 2,880 → 3,072 and 1,440 → 1,536). Fitted to gpt-oss-20b TP2 on H100
 * (7.01 GiB logged, llmd tp2pp1) and gpt-oss-120b TP4 on A100 (17.2217 GiB,
 * vllm-b-0.10.1.1-gpt-oss-120b-a100-80g-tp4); without it gpuplan was 8.6% and 11.7% short.
 */
export function vllmStageWeights(variant: Deployment['variant'], tp: number, pp: number, expertShards = tp): number[] {
  const base = stageWeights(variant.layout, tp, pp, expertShards);
  const moe = variant.arch.moe;
  if (variant.quant.id !== 'mxfp4' || !moe) return base;
  const roundUp = (n: number) => Math.ceil(n / MXFP4_EXPERT_ALIGNMENT) * MXFP4_EXPERT_ALIGNMENT;
  const perRank = moe.expertIntermediateSize / expertShards;
  const factor = (roundUp(variant.arch.hiddenSize) / variant.arch.hiddenSize) * (roundUp(perRank) / perRank);
  const experts = (variant.params.groups.routedExperts * variant.quant.bitsPerWeight) / 8 / (expertShards * pp);
  return base.map((bytes) => bytes + experts * (factor - 1));
}

/** The CUDA graph memory releases with `cudaGraphsInBudget` estimate, and take out of the budget, before sizing the KV cache. */
export function cudaGraphEstimate(release: VllmRelease, arch: Architecture, tp: number): number {
  const g = release.profile.cudaGraphs;
  return g.base + g.perLayer * arch.layers + (tp > 1 ? g.tensorParallel : 0) + (arch.moe ? g.moe : 0);
}

/** The CUDA graph memory captured after the KV cache is allocated, in the (1 − utilization) reserve (releases without `cudaGraphsInBudget`). */
export function cudaGraphCaptured(release: VllmRelease, arch: Architecture): number {
  const g = release.profile.capturedGraphs;
  return g.base + g.perLayer * arch.layers + (arch.moe ? g.moe : 0);
}

const layerKindsOf = new WeakMap<Architecture, readonly VllmLayerKind[]>();

/** Each layer's cache kind as vLLM specs it, once per model (kv-groups.ts memoises its groups by this array). */
function vllmLayerKinds(arch: Architecture): readonly VllmLayerKind[] {
  const known = layerKindsOf.get(arch);
  if (known) return known;
  const sliding = new Set(arch.slidingWindow?.indices ?? []);
  const kinds = layerBlocks(arch).map((b, l): VllmLayerKind => (b.mixer === 'linear' ? 'state' : b.mixer === 'none' ? 'none' : sliding.has(l) ? 'sliding' : 'full'));
  layerKindsOf.set(arch, kinds);
  return kinds;
}

export function fitVllm(release: VllmRelease, d: Deployment): EngineFit {
  const { variant, gpu, tp, pp, context, concurrency } = d;
  const { arch } = variant;
  const o = d.overrides ?? {};
  const util = d.memoryFraction ?? release.gpuMemoryUtilization;
  const total = cudaTotalBytes(gpu);
  const requested = util * total;
  const defaults = servingDefaults(release, gpu);
  const maxNumBatchedTokens = o.batchedTokens ?? defaults.maxNumBatchedTokens;
  const maxNumSeqs = o.maxSequences ?? Math.max(defaults.maxNumSeqs, concurrency);
  const nonTorch = nonTorchBytes(release, gpu, tp, pp);
  // Releases that profile CUDA graphs before sizing the KV cache take their estimate out of the budget;
  // the others capture them afterwards, in the reserve.
  const graphsInBudget = !o.eager && release.cudaGraphsInBudget ? cudaGraphEstimate(release, arch, tp) : 0;
  const graphsCaptured = !o.eager && !release.cudaGraphsInBudget ? cudaGraphCaptured(release, arch) : 0;
  const kv = kvLayout(arch, d.kvDtype, tp, pp);
  const state = stateLayout(arch, vllmStateDtypes(arch), tp, pp);
  const layerKinds = vllmLayerKinds(arch);
  const counts = pipelineStageLayers(arch.layers, pp);
  // Every stage profiles and sizes its own pool; the engine keeps the smallest block count.
  const expertShards = arch.moe ? tp * (d.dataParallel ?? 1) : tp;
  const stages = vllmStageWeights(variant, tp, pp, expertShards).map((weights, s) => {
    const first = counts.slice(0, s).reduce((a, b) => a + b, 0);
    const activation = profileActivationPeak(release, arch, maxNumBatchedTokens, maxNumSeqs, tp, s === pp - 1);
    const available = requested - weights - activation.bytes - nonTorch - graphsInBudget;
    const kvInput = {
      layerKinds,
      statePageBytes: state?.perLayerPerGpu ?? 0,
      blockAlignment: kernelBlockAlignment(arch.attention.kind === 'mla', arch.attention.kind === 'gqa' ? arch.attention.headDim : 0, gpu.computeCapability),
      stage: { first, end: first + (counts[s] ?? 0) },
      perLayerPerToken: kv.perLayerPerTokenPerGpu,
      blockSize: release.blockSize,
      window: arch.slidingWindow?.window ?? null,
      groupMergeRatio: release.kvGroupMergeRatio,
      maxModelLen: context,
      maxNumBatchedTokens,
      availableBytes: Math.max(0, available),
    };
    return { weights, activation, available, kvInput, pool: vllmKv(kvInput) };
  });
  const limiting = stages.reduce((a, b) => (b.pool.numBlocks < a.pool.numBlocks || (b.pool.numBlocks === a.pool.numBlocks && b.available < a.available) ? b : a));
  const { weights, activation, available } = limiting;
  const short = stages.find((s) => s.pool.bytesPerRequest > s.available);
  const bytesPerRequest = Math.max(...stages.map((s) => s.pool.bytesPerRequest));
  const pool = { ...limiting.pool, bytesPerRequest };
  const need = pool.bytesPerRequest * concurrency;
  const reserve = total - requested;
  const outside = CUDA_CONTEXT_BYTES + graphsCaptured;
  const loadPeak = loadPeakVerdict(variant, tp, pp, total, CUDA_CONTEXT_BYTES + nonTorch);

  let verdict: Verdict = FITS;
  if (loadPeak) {
    verdict = loadPeak;
  } else if (available <= 0) {
    verdict = wontStart(
      'no-memory-for-kv',
      `weights ${gib(weights)} + activations ${gib(activation.bytes)} + non-torch ${gib(nonTorch)}${graphsInBudget ? ` + CUDA graphs ${gib(graphsInBudget)}` : ''} exceed ${util} × ${gib(total)} = ${gib(requested)} per GPU`,
      'ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine.',
    );
  } else if (short) {
    // check_enough_kv_cache_memory, on the first stage whose own pool cannot hold one request.
    const estimatedMax = estimatedMaxModelLen((len) => vllmKv({ ...short.kvInput, maxModelLen: len }).bytesPerRequest <= short.available, context);
    verdict = wontStart(
      'kv-below-one-sequence',
      `KV for one ${context}-token sequence ${gib(short.pool.bytesPerRequest)} > ${gib(short.available)} left after weights`,
      kvErrorMessage(release, context, short.pool.bytesPerRequest, short.available, estimatedMax),
    );
  } else if (reserve < outside) {
    verdict = wontStart(
      'reserve-too-small',
      `the ${((1 - util) * 100).toFixed(0)}% reserve (${gib(reserve)}) cannot hold the CUDA context${release.cudaGraphsInBudget ? '' : ' and graphs'} (${gib(outside)}); lower --gpu-mem-util`,
    );
  } else if (pool.maxConcurrency < concurrency) {
    verdict = reducedConcurrency(`KV pool ${thousands(pool.tokens)} tokens holds ${Math.floor(pool.maxConcurrency)} × ${context} tokens, not ${concurrency}`);
  }

  const kvUsed = Math.min(need, Math.max(0, available));
  // What more memory per GPU would start it with every request held: the KV the requests need beyond each
  // stage's pool, or what the reserve lacks. A load-time peak is not a matter of memory per GPU at these settings.
  const kvShort = Math.max(...stages.map((s) => s.pool.bytesPerRequest * concurrency - s.available));
  const shortfallBytes = loadPeak ? null : verdict.status === 'fits' ? 0 : Math.max(0, kvShort, outside - reserve);
  const overhead = nonTorch + graphsInBudget;
  return {
    verdict,
    shortfallBytes,
    availableKvBytes: Math.max(0, available),
    perGpu: { weights, kvCache: need, activations: activation.bytes, overhead, total: weights + need + activation.bytes + overhead, capacity: requested },
    kv,
    state,
    kvCacheTokens: pool.tokens,
    maxConcurrency: pool.maxConcurrency,
    maxRunningRequests: maxNumSeqs,
    // vllm/config/vllm.py _set_cudagraph_sizes: min(max_num_seqs × 2, 512), within max_num_batched_tokens;
    // cudagraph_dispatcher runs a bigger step without graphs.
    cudaGraphMaxTokens: o.eager ? 0 : Math.min(maxNumSeqs * 2, 512, maxNumBatchedTokens),
    ...allOnGpu(variant),
    settings: {
      'tensor-parallel-size': tp,
      'pipeline-parallel-size': pp,
      'max-model-len': context,
      'gpu-memory-utilization': util,
      'max-num-seqs': maxNumSeqs,
      'max-num-batched-tokens': maxNumBatchedTokens,
      'kv-cache-dtype': d.kvDtype,
      ...onlineQuantizationSettings(variant),
      // Across nodes vLLM runs its workers on a Ray cluster (docs: "Multi-node deployment").
      ...(d.nodes > 1 ? { 'distributed-executor-backend': 'ray' } : {}),
    },
    get logLines() {
      if (verdict.status === 'wont-start' && verdict.engineMessage) return [verdict.engineMessage];
      return [
        ...(pool.blockSize !== release.blockSize ? [`Setting attention block size to ${pool.blockSize} tokens to ensure that attention page size is >= mamba page size.`] : []),
        `Model loading took ${(weights / GiB).toFixed(4)} GiB`,
        `Available KV cache memory: ${(available / GiB).toFixed(2)} GiB`,
        `GPU KV cache size: ${thousands(pool.tokens)} tokens`,
        `Maximum concurrency for ${thousands(context)} tokens per request: ${pool.maxConcurrency.toFixed(2)}x`,
      ];
    },
    get terms() {
      return [
        {
          name: 'weights',
          bytes: weights,
          formula:
            `${variant.layout.formula}, per GPU at TP${tp} × PP${pp}` +
            (weights > (stageWeights(variant.layout, tp, pp, expertShards)[stages.indexOf(limiting)] ?? weights) + 1 ? ` + MXFP4 experts padded to multiples of ${MXFP4_EXPERT_ALIGNMENT}` : ''),
        },
        {
          name: 'kv cache',
          bytes: kvUsed,
          formula:
            `${thousands(kv.perTokenPerGpu)} B/token/GPU` +
            (state ? ` + ${thousands(state.perSequencePerGpu)} B/sequence of ${state.linearLayers} linear layers' state (attention blocks of ${pool.blockSize} tokens)` : '') +
            `, ${concurrency} × ${thousands(pool.bytesPerRequest)} B per ${context}-token request (pool: ${thousands(pool.tokens)} tokens)`,
        },
        { name: 'activations', bytes: activation.bytes, formula: `profile_run at max_num_batched_tokens ${maxNumBatchedTokens}, max_num_seqs ${maxNumSeqs}: ${activation.formula}` },
        {
          name: graphsInBudget ? 'non-torch, graphs' : 'non-torch',
          bytes: overhead,
          formula: `cuBLAS${tp * pp > 1 ? ', NCCL and custom all-reduce buffers' : ' handles'} ${gib(nonTorch)}${graphsInBudget ? ` + CUDA graphs profiled in the budget ${gib(graphsInBudget)}` : ''}`,
        },
      ];
    },
    get notes() {
      return [
        `gpu_memory_utilization ${util} caps vLLM at ${gib(requested)} of the ${gib(total)} CUDA reports (${gpu.cudaTotalBytes ? 'measured' : 'assumed'} for ${gpu.id}); the CUDA context${release.cudaGraphsInBudget ? '' : ' and CUDA graphs'} (~${gib(outside)}) use the remaining ${gib(reserve)}.`,
      ];
    },
  };
}

/** vLLM's estimate_max_model_len: the longest max_model_len whose request fits the available memory (a binary search). */
function estimatedMaxModelLen(fits: (len: number) => boolean, context: number): number {
  let low = 0;
  let high = context;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}
