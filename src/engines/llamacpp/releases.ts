/**
 * The llama.cpp builds gpuplan has facts for, newest first. Flag sets are recorded in
 * catalogs/engine-flags/llamacpp-<build>.json by scripts/engine-facts/llamacpp.mjs.
 */
import type { EngineRelease } from '../release.js';

export type LlamacppRelease = EngineRelease;

export const LLAMACPP_RELEASES: readonly LlamacppRelease[] = [
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
  },
];
