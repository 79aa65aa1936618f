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
  /** What vLLM measures at start-up rather than computes: fitted to published logs (see VllmProfile). */
  profile: VllmProfile;
  /** _get_kv_cache_groups_uniform_page_size: one group size for both attention kinds when the larger count is under this × the smaller (null: always the smaller). */
  kvGroupMergeRatio: number | null;
  /** model_types vLLM refuses to run in float16 (vllm/config/model.py _FLOAT16_NOT_SUPPORTED_MODELS). */
  float16Refused: readonly string[];
}

/**
 * The start-up measurements of gpu_worker.determine_available_memory, as constants
 * fitted to the logs in test/fixtures/engine-logs/vllm/ (each names the logs).
 */
export interface VllmProfile {
  /** Multiplier on the forward-pass intermediates (memory/activations.ts) of the dummy run. */
  forwardScale: number;
  /** Bytes per logit element (requests × vocabulary) at the dummy sampler run's peak. */
  samplerBytesPerLogit: number;
  /**
   * non_torch_memory per GPU: one GPU; pipeline stages only; TP > 1 as base + perRank × TP,
   * over NVLink (custom all-reduce IPC buffers and NCCL's NVLink channels) or PCIe. Expert
   * parallel is said to need less; no log with it is in the corpus yet, so it is charged the same.
   */
  nonTorch: {
    single: number;
    pipelineOnly: number;
    tensorParallel: { base: number; perRank: number };
    tensorParallelPcie: { base: number; perRank: number };
  };
  /** The CUDA graph estimate releases with `cudaGraphsInBudget` subtract: base + perLayer × layers (+ tensorParallel with TP > 1, + moe for MoE models). */
  cudaGraphs: { base: number; perLayer: number; tensorParallel: number; moe: number };
  /** CUDA graph memory captured after the KV cache (the reserve's share): base + perLayer × layers (+ moe). */
  capturedGraphs: { base: number; perLayer: number; moe: number };
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

const GiB = 1024 ** 3;

/**
 * Start-up measurements of V1 releases (see VllmProfile), fitted to the logs in
 * test/fixtures/engine-logs/vllm/ ("llmd" = the llm-d-planner campaign, vLLM 0.19.0 on
 * H100, which prints every term at DEBUG level).
 */
const V1_PROFILE: VllmProfile = {
  // Llama-3.1-8B at 8,192 tokens: 1.05 and 1.10 GiB on the stages without a sampler (llmd tp1pp4, tp1pp2)
  // against the 0.78 GiB of the intermediates formula: 1.41 covers the larger; Mixtral TP2 logs 1.21 GiB (llmd tp2pp1).
  forwardScale: 1.41,
  // fp32 logits + sorted values + int64 indices: 1,024 requests × vocabulary × 16 B gives Llama-3.1-8B 1.96 GiB
  // (logged 1.89), Qwen2.5 2.32 (2.21), phi-4 1.53 (1.52), Mistral-Small 2.00 (2.03), Gemma 3 4.00 (3.99),
  // Llama-3.3-70B TP2 1.96 (1.96): the larger of the two where they differ.
  samplerBytesPerLogit: 16,
  nonTorch: {
    // 0.24–0.27 GiB on one H100 (llmd, every TP1 log).
    single: 0.27 * GiB,
    // 0.07 GiB per stage (llmd tp1pp2, tp1pp4); 0.1 kept.
    pipelineOnly: 0.1 * GiB,
    // NVLink: 2.07–2.11 GiB at TP2, 2.13–2.21 GiB at TP4 (llmd tp2/tp4 logs): 2.03 + 0.045 × TP covers the largest.
    tensorParallel: { base: 2.03 * GiB, perRank: 0.045 * GiB },
    // PCIe (no custom all-reduce): 0.78 GiB at TP2 on L40S, solved from vllm-b-0.16.0-llama-3-70b-awq-l40s-tp2.
    tensorParallelPcie: { base: 0.7 * GiB, perRank: 0.05 * GiB },
  },
  // The "CUDA graph pool memory ... (estimated)" of llmd logs: 0.84 GiB for 8B-class dense models at
  // TP1, 1.24 (Qwen3-30B-A3B) and 1.39 (DeepSeek-V2-Lite) for MoE at TP1, 1.63–1.92 at TP2 (Llama-3.1-8B,
  // Qwen2.5-72B, Llama-3.3-70B); base + per layer + TP + MoE covers each (over by up to 1.1 GiB for
  // gpt-oss-20b and Mixtral at TP2, 0.57 → 1.74 for Llama-3.1-8B at TP4: the safe side).
  cudaGraphs: { base: 0.6 * GiB, perLayer: 0.0075 * GiB, tensorParallel: 0.9 * GiB, moe: 0.45 * GiB },
  // "Graph capturing finished ... took X GiB" / "(actual)": Llama-3.1-8B 0.87–0.96 (32 layers), phi-4 1.07 (40),
  // Gemma 3 27B 1.14 (62), Llama-3.3-70B 1.66–1.85 (80) in the llmd logs; MoE above that line by about 0.5
  // (Qwen3-30B-A3B 1.41, DeepSeek-V2-Lite 1.57, gpt-oss-20b 1.55). Tensor parallelism does not add
  // (Llama-3.1-8B 0.76 at TP 2, 0.67 at TP 4). Smaller GPUs capture fewer sizes and come in under it
  // (L4 0.38, A100 0.50), so the reserve check errs on the side of "will not start" there.
  capturedGraphs: { base: 0.35 * GiB, perLayer: 0.018 * GiB, moe: 0.5 * GiB },
};

/** vllm/config/model.py _FLOAT16_NOT_SUPPORTED_MODELS ("Numerical instability. Please use bfloat16 or float32 instead."). */
const FLOAT16_REFUSED = ['gemma2', 'gemma3', 'gemma3_text', 'plamo2', 'glm4'] as const;

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
    // 0.21.0 brought the 0.92 default and CUDA graphs in the budget; nothing gpuplan models changed since.
    behavesSince: '0.21.0',
    imageEntrypoint: 'vllm serve',
    gpuMemoryUtilization: 0.92,
    blockSize: 16,
    servingDefaults: SERVE_DEFAULTS,
    cudaGraphsInBudget: true,
    kvErrorWording: 'model-cpu-docs',
    profile: V1_PROFILE,
    // 1.5 in vLLM main from 2026-05 (forks of that date); 1.25 in 2026-03; absent at 0.11.0.
    kvGroupMergeRatio: 1.5,
    float16Refused: FLOAT16_REFUSED,
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
    // The vllm serve image from 0.11.1; defaults and memory accounting unchanged until 0.21.0.
    behavesSince: '0.11.1',
    imageEntrypoint: 'vllm serve',
    gpuMemoryUtilization: 0.9,
    blockSize: 16,
    servingDefaults: SERVE_DEFAULTS,
    cudaGraphsInBudget: false,
    kvErrorWording: 'models-typo-docs',
    profile: V1_PROFILE,
    // Not read at the tag; the rule was absent at 0.11.0 and present (1.25) by 2026-03.
    kvGroupMergeRatio: null,
    float16Refused: FLOAT16_REFUSED,
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
    profile: V1_PROFILE,
    kvGroupMergeRatio: null,
    float16Refused: FLOAT16_REFUSED,
  },
];
