/**
 * The vLLM releases gpuplan has facts for, newest first. Flag sets are recorded in
 * catalogs/engine-flags/vllm-<version>.json by scripts/engine-facts/vllm.py; the
 * defaults below are read at each release's commit (files in `source.files`).
 */
import type { EngineRelease } from '../release.js';

export interface VllmRelease extends EngineRelease {
  /** What `vllm/vllm-openai:<tag>` runs: `vllm serve` (takes the model first) or the api_server module (takes --model). */
  imageEntrypoint: 'vllm serve' | 'api_server';
  /** CacheConfig.gpu_memory_utilization default. */
  gpuMemoryUtilization: number;
  /** CacheConfig block_size default on CUDA. */
  blockSize: number;
  /**
   * `vllm serve` defaults (EngineArgs._set_default_args, UsageContext.OPENAI_API_SERVER):
   * GPUs of at least `largeGpuMinGiB` that are not excluded get the large values.
   */
  servingDefaults: {
    largeGpuMinGiB: number;
    /** GPU ids that get the small values whatever their memory (A100: device-name check). */
    smallGpuIds: readonly string[];
    large: { maxNumBatchedTokens: number; maxNumSeqs: number };
    small: { maxNumBatchedTokens: number; maxNumSeqs: number };
  };
  /** CUDA graph memory is profiled before the KV cache is sized (inside the budget) rather than captured after it. */
  cudaGraphsInBudget: boolean;
}

export const VLLM_RELEASES: readonly VllmRelease[] = [
  {
    version: '0.11.0',
    date: '2025-10-02',
    source: {
      tag: 'v0.11.0',
      commit: 'b8b302cde434df8c9289a2b465406b47ebab1c2d',
      files: ['vllm/engine/arg_utils.py', 'vllm/config/cache.py', 'vllm/v1/worker/gpu_worker.py', 'vllm/v1/core/kv_cache_utils.py', 'docker/Dockerfile'],
    },
    flagSet: 'vllm-0.11.0',
    images: { nvidia: 'vllm/vllm-openai:v0.11.0', amd: 'rocm/vllm:rocm7.0.0_vllm_0.11.2_20251210' },
    changes: ['The V1 engine only; CUDA graphs captured after the KV cache is allocated, in the (1 − utilization) reserve.'],
    imageEntrypoint: 'api_server',
    gpuMemoryUtilization: 0.9,
    blockSize: 16,
    servingDefaults: {
      largeGpuMinGiB: 70,
      smallGpuIds: ['a100-40g', 'a100-80g'],
      large: { maxNumBatchedTokens: 8192, maxNumSeqs: 1024 },
      small: { maxNumBatchedTokens: 2048, maxNumSeqs: 256 },
    },
    cudaGraphsInBudget: false,
  },
];
