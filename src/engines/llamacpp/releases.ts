/**
 * The llama.cpp builds gpuplan has facts for, newest first. Flag sets are recorded in
 * catalogs/engine-flags/llamacpp-<build>.json by scripts/engine-facts/llamacpp.mjs; the
 * defaults below are read at each build's commit.
 */
import type { EngineRelease } from '../release.js';

export interface LlamacppRelease extends EngineRelease {
  /**
   * How the sliding-window layers' cache is sized when the slots keep their own KV streams
   * (--parallel N without --kv-unified, as gpuplan renders): `shared`, min(n_ctx, window ×
   * slots + n_ubatch) tokens in all, as gpuplan has modelled b6550; `per-slot`, each slot's
   * stream holds pad256(min(n_ctx_seq, window + n_ubatch)) tokens (src/llama-kv-cache-iswa.cpp).
   */
  swaCache: 'shared' | 'per-slot';
}

export const LLAMACPP_RELEASES: readonly LlamacppRelease[] = [
  {
    version: 'b10573',
    date: '2026-08-22',
    source: {
      tag: 'b10573',
      commit: 'd775b8967a46d8beb110d444aa3b8938179e0dd8',
      files: [
        'common/arg.cpp',
        'common/common.h',
        'common/fit.cpp',
        'tools/server/server.cpp',
        'tools/server/server-context.cpp',
        'src/llama-context.cpp',
        'src/llama-model.cpp',
        'src/llama-kv-cache-iswa.cpp',
        '.devops/cuda.Dockerfile',
        '.github/workflows/docker.yml',
      ],
    },
    flagSet: 'llamacpp-b10573',
    flagSetExact: true,
    // b10573 is a daily build: .github/workflows/docker.yml (create_tag job, since #16008) tags
    // master as b<rev-list count> at its 04:12 UTC run and pushes server-<type>-<that tag>;
    // d775b89 (2026-08-21 23:38 UTC) was master until 08:30 UTC on 08-22.
    images: { nvidia: 'ghcr.io/ggml-org/llama.cpp:server-cuda-b10573', amd: 'ghcr.io/ggml-org/llama.cpp:server-rocm-b10573' },
    changes: [
      'Loads late-2026 architectures: qwen3next, qwen35/qwen35moe, deepseek32, glm-dsa, kimi-linear, nemotron_h_moe (catalogs/engine-models/llamacpp-b10573.json).',
      'Defaults (common/common.h:442-447, common/arg.cpp:1401, tools/server/server.cpp:152-156): --ctx-size 0 is the training context; --parallel defaults to -1 (auto), which becomes 4 slots sharing one unified KV cache; an explicit --parallel N keeps n_ctx / N per slot (kv_unified false, common.h:563).',
      'n_ctx and n_ctx_seq = n_ctx / n_seq_max are padded up to 256 (src/llama-context.cpp:288-302); each slot has its own KV stream, and sliding-window layers keep pad256(min(n_ctx_seq, window + n_ubatch)) tokens per slot (src/llama-kv-cache-iswa.cpp:73).',
      '--fit on by default (common/common.h:468) fits unset -ngl and --ctx-size to free memory; an explicit --n-gpu-layers aborts it (common/fit.cpp:377) and an explicit --ctx-size is kept (fit.cpp:369), so rendered plans are unaffected.',
      '--n-gpu-layers takes auto or all besides a number (common/arg.cpp:2764-2773); flash attention auto, n_batch 2048 and n_ubatch 512 as in b6550.',
    ],
    swaCache: 'per-slot',
  },
  {
    version: 'b6550',
    date: '2025-09-22',
    source: {
      tag: 'b6550',
      commit: '3ecb2f671a2f49d56357f99d135a94e841759178',
      files: ['common/arg.cpp', 'common/common.h', 'tools/server/server.cpp', '.devops/cuda.Dockerfile', '.github/workflows/docker.yml'],
    },
    flagSet: 'llamacpp-b6550',
    flagSetExact: true,
    // Server images are built once a day, not per build: b6553 is the first daily build after b6550 (three commits later, no server flag changed).
    images: { nvidia: 'ghcr.io/ggml-org/llama.cpp:server-cuda-b6553', amd: 'ghcr.io/ggml-org/llama.cpp:server-rocm-b6553' },
    changes: ['One KV cache of --ctx-size tokens shared by the --parallel slots (n_ctx_slot = n_ctx / n_parallel).'],
    // kv_unified defaults to false (common/common.h:383), so each slot is its own stream and a sliding-window layer
    // keeps min(n_ctx_seq, pad(n_swa + n_ubatch)) cells per stream (src/llama-kv-cache-iswa.cpp:48 at 3ecb2f6).
    swaCache: 'per-slot',
  },
];
