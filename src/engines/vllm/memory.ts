/**
 * vLLM's memory accounting, following the V1 engine of each release in releases.ts
 * (the release's own defaults are passed in). The steps mirror vllm/v1/worker/gpu_worker.py
 * determine_available_memory and vllm/v1/core/kv_cache_utils.py:
 *
 *   requested  = gpu_memory_utilization × total GPU memory
 *   available  = requested − weights − torch activation peak (profile_run at
 *                max_num_batched_tokens) − non-torch memory (NCCL, custom all-reduce)
 *   KV blocks  = available // (block_size × KV bytes per token per GPU)
 *
 * and vLLM refuses to start when one sequence of max_model_len does not fit.
 * Releases that capture CUDA graphs after the KV cache is allocated keep them, with
 * the CUDA context, in the (1 − utilization) reserve; releases that profile them first
 * (`cudaGraphsInBudget`) take them out of `available`.
 */
import type { Gpu } from '../../catalog/schema.js';
import { inferenceActivationPeak } from '../../memory/activations.js';
import { kvBytesForSequence, kvLayout } from '../../memory/kvcache.js';
import { CUDA_CONTEXT_BYTES } from '../../memory/overhead.js';
import { GiB, MiB, thousands } from '../../memory/units.js';
import { weightsPerGpu } from '../../memory/weights.js';
import { allOnGpu, gib, onlineQuantizationSettings } from '../common.js';
import type { Deployment, EngineFit } from '../types.js';
import { FITS, reducedConcurrency, wontStart, type Verdict } from '../verdict.js';
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
 * Non-torch memory vLLM measures during profiling and subtracts from the budget:
 * cuBLAS/cuDNN handles (~0.1 GiB, the "non_torch_memory takes 0.1x GiB" of TP=1
 * logs) plus, with TP > 1, NCCL communicator buffers and the custom all-reduce
 * IPC buffers (vllm/distributed/device_communicators/custom_all_reduce.py, 8 MiB
 * × ranks, plus NCCL's per-peer channel buffers) — reported around 0.5-1.5 GiB.
 */
export function nonTorchBytes(tp: number, pp: number): number {
  const handles = 128 * MiB;
  const parallel = tp * pp > 1 ? 512 * MiB + 64 * MiB * (tp - 1) : 0;
  return handles + parallel;
}

/**
 * CUDA graph pool captured after KV allocation (outside the utilization budget).
 * vLLM logs "Graph capturing finished in N secs, took X GiB": typically 0.2-1 GiB
 * for the 67 default capture sizes; gpuplan reserves 1 GiB.
 */
export const CUDA_GRAPH_BYTES = 1 * GiB;

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

export function fitVllm(release: VllmRelease, d: Deployment): EngineFit {
  const { variant, gpu, tp, pp, context, concurrency } = d;
  const { arch } = variant;
  const util = d.memoryFraction ?? release.gpuMemoryUtilization;
  const requested = Math.floor(util * gpu.memoryBytes);
  const defaults = servingDefaults(release, gpu);
  const maxNumSeqs = Math.max(defaults.maxNumSeqs, concurrency);
  const weights = weightsPerGpu(variant.layout, tp, pp);
  const activation = inferenceActivationPeak(arch, defaults.maxNumBatchedTokens, Math.min(maxNumSeqs, 256), tp);
  const nonTorch = nonTorchBytes(tp, pp);
  // Releases that profile CUDA graphs before sizing the KV cache take them out of the budget.
  const graphsInBudget = release.cudaGraphsInBudget ? CUDA_GRAPH_BYTES : 0;
  const available = requested - weights - activation.bytes - nonTorch - graphsInBudget;
  const kv = kvLayout(arch, d.kvDtype, tp, pp);
  const blockBytes = kv.perTokenPerGpu * release.blockSize;
  const blocks = Math.max(0, Math.floor(available / blockBytes));
  const kvCacheTokens = blocks * release.blockSize;
  // Sliding-window layers (gpt-oss) keep only their window: vLLM V1's hybrid KV cache manager.
  const perSequence = kvBytesForSequence(arch, kv, context);
  const need = perSequence * concurrency;
  const maxConcurrency = arch.slidingWindow ? Math.max(0, available) / perSequence : kvCacheTokens / context;
  const reserve = gpu.memoryBytes - requested;
  const outside = CUDA_CONTEXT_BYTES + (release.cudaGraphsInBudget ? 0 : CUDA_GRAPH_BYTES);

  let verdict: Verdict = FITS;
  if (available <= 0) {
    verdict = wontStart(
      'no-memory-for-kv',
      `weights ${gib(weights)} + activations ${gib(activation.bytes)} + non-torch ${gib(nonTorch)}${graphsInBudget ? ` + CUDA graphs ${gib(graphsInBudget)}` : ''} exceed ${util} × ${gib(gpu.memoryBytes)} = ${gib(requested)} per GPU`,
      'ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine.',
    );
  } else if (perSequence > available) {
    const estimatedMax = Math.floor(available / kv.perTokenPerGpu / release.blockSize) * release.blockSize;
    verdict = wontStart(
      'kv-below-one-sequence',
      `KV for one ${context}-token sequence ${gib(perSequence)} > ${gib(available)} left after weights`,
      kvErrorMessage(release, context, perSequence, available, estimatedMax),
    );
  } else if (reserve < outside) {
    verdict = wontStart(
      'reserve-too-small',
      `the ${((1 - util) * 100).toFixed(0)}% reserve (${gib(reserve)}) cannot hold the CUDA context${release.cudaGraphsInBudget ? '' : ' and graphs'} (${gib(outside)}); lower --gpu-mem-util`,
    );
  } else if (maxConcurrency < concurrency) {
    verdict = reducedConcurrency(`KV pool ${thousands(kvCacheTokens)} tokens holds ${Math.floor(maxConcurrency)} × ${context} tokens, not ${concurrency}`);
  }

  const kvUsed = Math.min(need, Math.max(0, available));
  const total = weights + need + activation.bytes + nonTorch;
  return {
    verdict,
    perGpu: { weights, kvCache: need, activations: activation.bytes, overhead: nonTorch, total, capacity: requested },
    kv,
    kvCacheTokens,
    maxConcurrency,
    ...allOnGpu(variant),
    settings: {
      'tensor-parallel-size': tp,
      'pipeline-parallel-size': pp,
      'max-model-len': context,
      'gpu-memory-utilization': util,
      'max-num-seqs': maxNumSeqs,
      'max-num-batched-tokens': defaults.maxNumBatchedTokens,
      'kv-cache-dtype': d.kvDtype,
      ...onlineQuantizationSettings(variant),
      // Across nodes vLLM runs its workers on a Ray cluster (docs: "Multi-node deployment").
      ...(d.nodes > 1 ? { 'distributed-executor-backend': 'ray' } : {}),
    },
    get logLines() {
      if (verdict.status === 'wont-start' && verdict.engineMessage) return [verdict.engineMessage];
      return [
        `Available KV cache memory: ${(available / GiB).toFixed(2)} GiB`,
        `GPU KV cache size: ${thousands(kvCacheTokens)} tokens`,
        `Maximum concurrency for ${thousands(context)} tokens per request: ${maxConcurrency.toFixed(2)}x`,
      ];
    },
    get terms() {
      return [
        { name: 'weights', bytes: weights, formula: `${variant.layout.formula}, per GPU at TP${tp} × PP${pp}` },
        { name: 'kv cache', bytes: kvUsed, formula: `${thousands(kv.perTokenPerGpu)} B/token/GPU × ${context} × ${concurrency} (pool: ${thousands(kvCacheTokens)} tokens)` },
        { name: 'activations', bytes: activation.bytes, formula: `profile_run at max_num_batched_tokens ${defaults.maxNumBatchedTokens}: ${activation.formula}` },
        { name: 'non-torch', bytes: nonTorch, formula: tp * pp > 1 ? 'cuBLAS handles 128 MiB + NCCL/custom all-reduce 512 MiB + 64 MiB per extra TP rank' : 'cuBLAS handles 128 MiB' },
      ];
    },
    get notes() {
      return [`gpu_memory_utilization ${util} caps vLLM at ${gib(requested)} of ${gib(gpu.memoryBytes)}; the CUDA context and CUDA graphs (~${gib(outside)}) live in the remaining ${gib(reserve)}.`];
    },
  };
}
