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
  /** The wording of check_enough_kv_cache_memory's ValueError (vllm/v1/core/kv_cache_utils.py). */
  kvErrorWording: 'models-typo' | 'models-typo-docs' | 'model-cpu-docs';
}

/**
 * `vllm serve` batch defaults, unchanged from 0.11.0 through vLLM main of 2026-05-19
 * (EngineArgs._set_default_args: ≥ 70 GiB and not an A100 → 8192 tokens, 1024 sequences).
 */
const SERVE_DEFAULTS: VllmRelease['servingDefaults'] = {
  largeGpuMinGiB: 70,
  smallGpuIds: ['a100-40g', 'a100-80g'],
  large: { maxNumBatchedTokens: 8192, maxNumSeqs: 1024 },
  small: { maxNumBatchedTokens: 2048, maxNumSeqs: 256 },
};

export const VLLM_RELEASES: readonly VllmRelease[] = [
  {
    version: '0.31.0',
    date: '2026-10-05',
    source: {
      tag: 'v0.31.0',
      commit: 'db9527a46873454610df6dbedf79a36d6bf1a7f6',
      how: 'the tag commit as several public projects pin it ("tag v0.31.0 (commit db9527a…)"); the source tree at it could not be read here, so the defaults below come from vLLM main up to 2026-05-19 (after the v0.21.0 changes) and 2026 start-up logs',
      files: ['vllm/config/cache.py', 'vllm/engine/arg_utils.py', 'vllm/v1/worker/gpu_worker.py', 'vllm/v1/core/kv_cache_utils.py', 'docker/Dockerfile'],
    },
    // The newest tag whose whole source could be read; validate treats flags it lacks as warnings for this release.
    flagSet: 'vllm-0.16.0',
    flagSetExact: false,
    images: { nvidia: 'vllm/vllm-openai:v0.31.0', amd: 'vllm/vllm-openai-rocm:v0.31.0' },
    changes: [
      '0.21.0: gpu_memory_utilization defaults to 0.92 (#38284) and CUDA graph memory is profiled before the KV cache is sized (VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS on by default).',
      '2026-05 (#42479): the KV-cache ValueError reads "model\'s" and mentions the CPU backend.',
    ],
    imageEntrypoint: 'vllm serve',
    gpuMemoryUtilization: 0.92,
    blockSize: 16,
    servingDefaults: SERVE_DEFAULTS,
    cudaGraphsInBudget: true,
    kvErrorWording: 'model-cpu-docs',
  },
  {
    version: '0.16.0',
    date: '2026-02-26',
    source: {
      tag: 'v0.16.0',
      commit: '89a77b10846fd96273cce78d86d2556ea582d26e',
      files: ['vllm/config/cache.py', 'vllm/engine/arg_utils.py', 'vllm/entrypoints/openai/cli_args.py', 'vllm/v1/core/kv_cache_utils.py', 'docker/Dockerfile'],
    },
    flagSet: 'vllm-0.16.0',
    flagSetExact: true,
    images: { nvidia: 'vllm/vllm-openai:v0.16.0', amd: 'vllm/vllm-openai-rocm:v0.16.0' },
    changes: [
      '0.11.1: the image runs `vllm serve` (#25967), so a container command starts with the model.',
      '0.15.0: ROCm images are vllm/vllm-openai-rocm.',
      '--kv-cache-dtype gains fp8_ds_mla; -O becomes --optimization-level, -cc aliases --compilation-config.',
    ],
    imageEntrypoint: 'vllm serve',
    gpuMemoryUtilization: 0.9,
    blockSize: 16,
    servingDefaults: SERVE_DEFAULTS,
    cudaGraphsInBudget: false,
    kvErrorWording: 'models-typo-docs',
  },
  {
    version: '0.11.0',
    date: '2025-10-02',
    source: {
      tag: 'v0.11.0',
      commit: 'b8b302cde434df8c9289a2b465406b47ebab1c2d',
      files: ['vllm/engine/arg_utils.py', 'vllm/config/cache.py', 'vllm/v1/worker/gpu_worker.py', 'vllm/v1/core/kv_cache_utils.py', 'docker/Dockerfile'],
    },
    flagSet: 'vllm-0.11.0',
    flagSetExact: true,
    images: { nvidia: 'vllm/vllm-openai:v0.11.0', amd: 'rocm/vllm:rocm7.0.0_vllm_0.11.2_20251210' },
    changes: ['The V1 engine only; CUDA graphs captured after the KV cache is allocated, in the (1 − utilization) reserve.'],
    imageEntrypoint: 'api_server',
    gpuMemoryUtilization: 0.9,
    blockSize: 16,
    servingDefaults: SERVE_DEFAULTS,
    cudaGraphsInBudget: false,
    kvErrorWording: 'models-typo',
  },
];
