/**
 * The SGLang releases gpuplan has facts for, newest first. Flag sets are recorded in
 * catalogs/engine-flags/sglang-<version>.json by scripts/engine-facts/sglang.py; the
 * memory defaults below are read from python/sglang/srt/server_args.py
 * (_handle_gpu_memory_settings) at each release's commit.
 */
import type { EngineRelease } from '../release.js';

/** One memory tier of SGLang's defaults: GPUs with less than `belowGiB` (null: any size) get these values. */
export interface SglangTier {
  belowGiB: number | null;
  chunkedPrefillSize: number;
  /** cuda_graph_max_bs below TP 4, and at TP ≥ 4. */
  cudaGraphMaxBs: { narrow: number; wide: number };
}

export interface SglangRelease extends EngineRelease {
  /** By GPU memory (nvidia-smi's memory.total, get_device_memory_capacity), smallest tier first. */
  tiers: readonly SglangTier[];
  /**
   * The reserve kept out of mem_fraction_static, in MiB:
   *   base + perChunkToken × max(chunked_prefill_size, minChunkTokens) + perGraphBatch × cuda_graph_max_bs + perRank × TP × PP,
   * at least `largeGpuMinMiB` on GPUs over `largeGpuAboveGiB`.
   */
  reserve: { baseMiB: number; perChunkTokenMiB: number; minChunkTokens: number; perGraphBatchMiB: number; perRankMiB: number; largeGpuAboveGiB: number; largeGpuMinMiB: number };
  /** What SGLang measures at start-up rather than computes: fitted to published logs (see SglangProfile). */
  profile: SglangProfile;
}

/** Start-up measurements, as constants fitted to the logs in test/fixtures/engine-logs/sglang/. */
export interface SglangProfile {
  /** CUDA total less the free memory at "Load weight begin" on one GPU (CUDA context, allocator). */
  initBytes: number;
  /** What the distributed init (NCCL, custom all-reduce buffers) takes besides with TP × PP > 1, over NVLink and over PCIe. */
  parallelInitBytes: { nvlink: number; pcie: number };
  /** CUDA graph memory ("Capture cuda graph end ... mem usage"). */
  cudaGraphBytes: number;
}

const GiB = 1024 ** 3;

/**
 * Fitted to the "Load weight begin. avail mem" lines of test/fixtures/engine-logs/sglang/ against
 * each GPU's CUDA total: one GPU 0.6–0.83 GiB below it (H100 78.48 of 79.19, H200 139.20 of 139.80,
 * MI300X 191.33 of 191.98, RTX 3090 22.76 of 23.59); TP 8 over NVLink 2.46 GiB (H100) and 2.11 GiB
 * (A100); TP over PCIe no more than one GPU (L4 TP 4 and 8, A100 PCIe TP 2). CUDA graphs: 0.11–2.51 GiB
 * logged ("Capture cuda graph end"), 1 GiB kept in the reserve check.
 */
const PROFILE: SglangProfile = { initBytes: 0.85 * GiB, parallelInitBytes: { nvlink: 1.65 * GiB, pcie: 0 }, cudaGraphBytes: 1 * GiB };

export const SGLANG_RELEASES: readonly SglangRelease[] = [
  {
    version: '0.5.21',
    date: '2026-10-02',
    source: {
      tag: 'v0.5.21',
      commit: 'e00930c5489053f26d86b179cee0d087f846acbb',
      how: 'the peeled tag commit as several public projects pin it (one checks `git clone --branch v0.5.21` against it); SGLang takes its version from the tag (setuptools-scm)',
      files: ['python/sglang/srt/arg_groups/fields/*.py', 'python/sglang/srt/arg_groups/memory_hook.py', 'python/sglang/launch_server.py'],
    },
    // Read in part, from the option declarations at nearby commits: flags it lacks are warnings in validate.
    flagSet: 'sglang-0.5.21',
    flagSetExact: false,
    // The default tag is the multi-arch CUDA 13.0 build; no ROCm tag of 0.5.21 could be established.
    images: { nvidia: 'lmsysorg/sglang:v0.5.21', amd: null },
    changes: [
      'Options are declared as fields (arg_groups/fields/); --tp-size and --pp-size are the names, --tensor-parallel-size and --pipeline-parallel-size aliases.',
      'CUDA graphs per phase (--cuda-graph-max-bs-decode/-prefill); the 20–35 GiB tier prefills 4,096 tokens with decode graphs up to 48 (160 at TP ≥ 4).',
      'mem_fraction_static: handle_gpu_memory_settings (arg_groups/memory_hook.py) adds separate graph reserves; gpuplan keeps the 0.5.3 reserve terms with the new tiers until start-up logs calibrate it.',
      '`sglang serve` is the recommended entry point; `python -m sglang.launch_server` still works.',
    ],
    tiers: [
      { belowGiB: 20, chunkedPrefillSize: 2048, cudaGraphMaxBs: { narrow: 8, wide: 8 } },
      { belowGiB: 35, chunkedPrefillSize: 4096, cudaGraphMaxBs: { narrow: 48, wide: 160 } },
      { belowGiB: 60, chunkedPrefillSize: 4096, cudaGraphMaxBs: { narrow: 32, wide: 160 } },
      { belowGiB: 160, chunkedPrefillSize: 8192, cudaGraphMaxBs: { narrow: 256, wide: 512 } },
      { belowGiB: null, chunkedPrefillSize: 16384, cudaGraphMaxBs: { narrow: 512, wide: 512 } },
    ],
    reserve: { baseMiB: 512, perChunkTokenMiB: 1.5, minChunkTokens: 2048, perGraphBatchMiB: 2, perRankMiB: 128, largeGpuAboveGiB: 60, largeGpuMinMiB: 10 * 1024 },
    profile: PROFILE,
  },
  {
    version: '0.5.3',
    date: '2025-10-06',
    source: {
      tag: 'v0.5.3',
      commit: 'a4a3d8239365d2fc16e2dc707605373ea3f35ded',
      how: 'the commit that bumped python/sglang/version.py to 0.5.3',
      files: ['python/sglang/srt/server_args.py', 'python/sglang/srt/model_executor/model_runner.py', '.github/workflows/release-docker.yml', '.github/workflows/release-docker-amd.yml'],
    },
    flagSet: 'sglang-0.5.3',
    flagSetExact: true,
    // CUDA 12.9 is the release's only x86 CUDA build, ROCm 6.3 its MI300 one.
    images: { nvidia: 'lmsysorg/sglang:v0.5.3-cu129', amd: 'lmsysorg/sglang:v0.5.3-rocm630-mi30x' },
    changes: ['mem_fraction_static defaults to a reserve sized from chunked prefill, CUDA graph batch and TP × PP (_handle_gpu_memory_settings).'],
    tiers: [
      { belowGiB: 20, chunkedPrefillSize: 2048, cudaGraphMaxBs: { narrow: 8, wide: 8 } },
      { belowGiB: 35, chunkedPrefillSize: 2048, cudaGraphMaxBs: { narrow: 16, wide: 80 } },
      { belowGiB: 60, chunkedPrefillSize: 4096, cudaGraphMaxBs: { narrow: 32, wide: 160 } },
      { belowGiB: 160, chunkedPrefillSize: 8192, cudaGraphMaxBs: { narrow: 256, wide: 512 } },
      { belowGiB: null, chunkedPrefillSize: 16384, cudaGraphMaxBs: { narrow: 512, wide: 512 } },
    ],
    reserve: { baseMiB: 512, perChunkTokenMiB: 1.5, minChunkTokens: 2048, perGraphBatchMiB: 2, perRankMiB: 128, largeGpuAboveGiB: 60, largeGpuMinMiB: 10 * 1024 },
    profile: PROFILE,
  },
];
