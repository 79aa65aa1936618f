/**
 * SGLang's memory accounting for each release in releases.ts
 * (python/sglang/srt/model_executor/model_runner.py,
 * profile_max_num_token): after the weights load, what is left beyond the
 * (1 − mem_fraction_static) reserve becomes the KV pool,
 *
 *   rest   = available_after_weights − total × (1 − mem_fraction_static)
 *   tokens = rest // cell_size,   cell_size = KV bytes per token on this rank
 *
 * and activations, CUDA graphs and the CUDA context live in the reserve.
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
import type { SglangRelease, SglangTier } from './releases.js';

/**
 * SGLang sizes its defaults from get_device_memory_capacity(): nvidia-smi's memory.total
 * in MiB, the smallest over the GPUs (the catalog's memoryBytes is that figure).
 */
function gpuMiB(gpu: Gpu): number {
  return gpu.memoryBytes / MiB;
}

function tierOf(release: SglangRelease, gpu: Gpu): SglangTier {
  const mib = gpuMiB(gpu);
  const tier = release.tiers.find((t) => t.belowGiB === null || mib < t.belowGiB * 1024);
  if (!tier) throw new Error(`SGLang ${release.version}: no memory tier for ${gpu.id}`);
  return tier;
}

/** Default chunked_prefill_size of the release for this GPU's memory tier. */
export function defaultChunkedPrefill(release: SglangRelease, gpu: Gpu): number {
  return tierOf(release, gpu).chunkedPrefillSize;
}

/** Default cuda_graph_max_bs of the release, by memory tier and TP ≥ 4. */
export function defaultCudaGraphMaxBs(release: SglangRelease, gpu: Gpu, tp: number): number {
  const bs = tierOf(release, gpu).cudaGraphMaxBs;
  return tp >= 4 ? bs.wide : bs.narrow;
}

/**
 * Default mem_fraction_static (without speculative decoding or DP attention): keep
 * round((memory − reserve) / memory, 3) with the release's reserve formula. 0.5.3 on an
 * 80 GB H100 at TP1: 512 + 1.5 × 8192 + 2 × 256 + 128 = 13,440 MiB → 0.835.
 */
export function defaultMemFractionStatic(release: SglangRelease, gpu: Gpu, tp: number, pp: number): number {
  const r = release.reserve;
  const mib = gpuMiB(gpu);
  let reserved =
    r.baseMiB + Math.max(defaultChunkedPrefill(release, gpu), r.minChunkTokens) * r.perChunkTokenMiB + defaultCudaGraphMaxBs(release, gpu, tp) * r.perGraphBatchMiB + tp * pp * r.perRankMiB;
  if (mib > r.largeGpuAboveGiB * 1024) reserved = Math.max(reserved, r.largeGpuMinMiB);
  return Math.round(((mib - reserved) / mib) * 1000) / 1000;
}

/** CUDA graphs SGLang captures for batch sizes up to cuda_graph_max_bs; ~0.5-1.5 GiB logged as "Capture cuda graph end ... mem usage". */
export const SGLANG_CUDA_GRAPH_BYTES = 1 * GiB;

export function fitSglang(release: SglangRelease, d: Deployment): EngineFit {
  const { variant, gpu, tp, pp, context, concurrency } = d;
  const { arch } = variant;
  const fraction = d.memoryFraction ?? defaultMemFractionStatic(release, gpu, tp, pp);
  const weights = weightsPerGpu(variant.layout, tp, pp);
  const kv = kvLayout(arch, d.kvDtype, tp, pp);
  const afterWeights = gpu.memoryBytes - CUDA_CONTEXT_BYTES - weights;
  const reserve = gpu.memoryBytes * (1 - fraction);
  const pool = Math.max(0, afterWeights - reserve);
  const kvCacheTokens = Math.floor(pool / kv.perTokenPerGpu);
  const chunk = defaultChunkedPrefill(release, gpu);
  const activation = inferenceActivationPeak(arch, chunk, Math.min(concurrency, 256), tp);
  const transient = activation.bytes + SGLANG_CUDA_GRAPH_BYTES;
  // Sliding-window layers keep only their window (SGLang's SWA memory pool for hybrid models).
  const perSequence = kvBytesForSequence(arch, kv, context);
  const need = perSequence * concurrency;
  const maxConcurrency = arch.slidingWindow ? pool / perSequence : kvCacheTokens / context;

  let verdict: Verdict = FITS;
  if (pool <= 0) {
    verdict = wontStart(
      'no-memory-for-kv',
      `weights ${gib(weights)} leave no KV pool inside mem_fraction_static ${fraction} × ${gib(gpu.memoryBytes)}`,
      'RuntimeError: Not enough memory. Please try to increase --mem-fraction-static.',
    );
  } else if (reserve < transient) {
    verdict = wontStart('reserve-too-small', `the ${gib(reserve)} outside mem_fraction_static cannot hold activations and CUDA graphs (${gib(transient)}); lower --gpu-mem-util`);
  } else if (maxConcurrency < concurrency) {
    verdict = reducedConcurrency(`KV pool ${thousands(kvCacheTokens)} tokens < ${context} × ${concurrency} requested`);
  }
  const staticBytes = Math.floor(fraction * gpu.memoryBytes);
  return {
    verdict,
    perGpu: {
      weights,
      kvCache: Math.min(need, pool),
      activations: activation.bytes,
      overhead: CUDA_CONTEXT_BYTES + SGLANG_CUDA_GRAPH_BYTES,
      total: weights + Math.min(need, pool) + activation.bytes + CUDA_CONTEXT_BYTES + SGLANG_CUDA_GRAPH_BYTES,
      // Static pool and reserve together: the whole GPU.
      capacity: gpu.memoryBytes,
    },
    kv,
    kvCacheTokens,
    maxConcurrency,
    ...allOnGpu(variant),
    settings: {
      'tensor-parallel-size': tp,
      'pipeline-parallel-size': pp,
      'context-length': context,
      'mem-fraction-static': fraction,
      'max-running-requests': Math.max(concurrency, 1),
      'chunked-prefill-size': chunk,
      'kv-cache-dtype': d.kvDtype,
      ...onlineQuantizationSettings(variant),
    },
    get logLines() {
      return pool > 0
        ? [`KV Cache is allocated. #tokens: ${kvCacheTokens}, K size/V size: ${(pool / GiB).toFixed(2)} GB total`, `max_total_num_tokens=${kvCacheTokens}`]
        : ['RuntimeError: Not enough memory. Please try to increase --mem-fraction-static.'];
    },
    get terms() {
      return [
        { name: 'weights', bytes: weights, formula: `${variant.layout.formula}, per GPU at TP${tp} × PP${pp}` },
        { name: 'kv cache', bytes: Math.min(need, pool), formula: `${thousands(kv.perTokenPerGpu)} B/token/GPU × ${context} × ${concurrency} (pool: ${thousands(kvCacheTokens)} tokens)` },
        { name: 'activations', bytes: activation.bytes, formula: `chunked prefill of ${chunk} tokens, in the reserve: ${activation.formula}` },
        { name: 'overhead', bytes: CUDA_CONTEXT_BYTES + SGLANG_CUDA_GRAPH_BYTES, formula: 'CUDA context 512 MiB + CUDA graphs 1 GiB, in the reserve' },
      ];
    },
    get notes() {
      return [`mem_fraction_static ${fraction}: weights and the KV pool get ${gib(staticBytes)} of ${gib(gpu.memoryBytes)}; activations and CUDA graphs use the rest.`];
    },
  };
}
