/**
 * The Ollama releases gpuplan has facts for, newest first. Modelfile and environment
 * specs are recorded in catalogs/engine-flags/ollama-<version>.json by
 * scripts/engine-facts/ollama.mjs; the defaults below are read at each tag.
 */
import type { EngineRelease } from '../release.js';

export interface OllamaRelease extends EngineRelease {
  /** Free memory Ollama's scheduler keeps on every GPU before it places layers (MinimumMemory, discover/). */
  minimumMemoryMiB: number;
  /** OLLAMA_KV_CACHE_TYPE is ignored unless flash attention is on (the check moved to llama-server at 0.30.0). */
  kvCacheTypeNeedsFlashAttention: boolean;
  /** Whether flash attention is on by default for every model the GPU supports it for. */
  flashAttentionByDefault: boolean;
  /**
   * How Ollama decides the layers it offloads: `estimate`, its own memory estimate
   * (llm/memory.go estimateGPULayers, ./estimate.ts); `llama-server`, the llama-server
   * subprocess (0.30.0) placing layers as llama.cpp does.
   */
  placement: 'estimate' | 'llama-server';
}

export const OLLAMA_RELEASES: readonly OllamaRelease[] = [
  {
    version: '0.32.15',
    date: '2026-08-19',
    source: {
      tag: 'v0.32.15',
      commit: 'b7871fc0d1d82fe109536efa3e0e8e411c766c75',
      files: ['parser/parser.go', 'api/types.go', 'envconfig/config.go', 'llm/server.go', 'discover/types.go', 'Dockerfile'],
    },
    flagSet: 'ollama-0.32.15',
    flagSetExact: true,
    images: { nvidia: 'ollama/ollama:0.32.15', amd: 'ollama/ollama:0.32.15-rocm' },
    changes: [
      '0.15.5: OLLAMA_CONTEXT_LENGTH defaults to 0, a context chosen from total VRAM (4,096 / 32,768 / 262,144 tokens).',
      '0.30.0: GGUF models run in a llama-server subprocess; flash attention is `auto` for every model; OLLAMA_KV_CACHE_TYPE goes unchecked to --cache-type-k/-v; num_batch is chosen by context when unset.',
      'Modelfile: REQUIRES (0.14.0) and DRAFT (0.23.1) instructions; the draft_num_predict PARAMETER (0.30.0).',
    ],
    // 0.30.0 moved GGUF models to a llama-server subprocess.
    behavesSince: '0.30.0',
    minimumMemoryMiB: 457,
    kvCacheTypeNeedsFlashAttention: false,
    flashAttentionByDefault: true,
    placement: 'llama-server',
  },
  {
    version: '0.12.6',
    date: '2025-10-16',
    source: { tag: 'v0.12.6', commit: '1813ff85a027d7d4d76761a2bf12c2198dfaa0cf', files: ['parser/parser.go', 'api/types.go', 'envconfig/config.go', 'discover/types.go', 'Dockerfile'] },
    flagSet: 'ollama-0.12.6',
    flagSetExact: true,
    images: { nvidia: 'ollama/ollama:0.12.6', amd: 'ollama/ollama:0.12.6-rocm' },
    changes: ['The llama.cpp runner inside Ollama; flash attention on by default only for some model families.'],
    minimumMemoryMiB: 457,
    kvCacheTypeNeedsFlashAttention: true,
    flashAttentionByDefault: false,
    placement: 'estimate',
  },
];
