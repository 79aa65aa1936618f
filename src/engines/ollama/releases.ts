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
  /**
   * With `estimate`: model families Ollama's own engine runs instead, which places layers from
   * the memory its backend reports (fs/ggml KV.OllamaEngineRequired, as transformers model_types).
   */
  ownEngineFamilies: readonly string[];
  /** Which release's fs/ggml GraphSize formulas the estimate follows (gpt-oss changed at 0.12). */
  graphRules: '0.11' | '0.12';
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
    ownEngineFamilies: [],
    graphRules: '0.12',
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
    // v0.12.6 fs/ggml/ggml.go OllamaEngineRequired: gemma3, gemma3n, mistral3, qwen3, qwen3moe, llama4, mllama, qwen25vl, gptoss.
    ownEngineFamilies: ['gemma3', 'gemma3_text', 'mistral3', 'qwen3', 'qwen3_moe', 'llama4', 'gpt_oss'],
    graphRules: '0.12',
  },
  {
    version: '0.11.0',
    date: '2025-08-05',
    source: {
      tag: 'v0.11.0',
      commit: 'd552068413d1a3d0af69f23c2abc1e1f698ed234',
      files: ['parser/parser.go', 'api/types.go', 'envconfig/config.go', 'llm/memory.go', 'fs/ggml/ggml.go', 'discover/gpu.go', 'Dockerfile'],
    },
    flagSet: 'ollama-0.11.0',
    flagSetExact: true,
    images: { nvidia: 'ollama/ollama:0.11.0', amd: 'ollama/ollama:0.11.0-rocm' },
    changes: [
      "Every model, its own engine included, is placed by the memory estimate (llm/memory.go EstimateGPULayers); gpt-oss's partial-offload graph is twice the full one.",
      'OLLAMA_NUM_PARALLEL defaults to 1 and the context to 4,096 tokens (envconfig); before 0.11 parallelism was chosen (4, later 2, or 1) and the context was 2,048 until 0.6.7.',
    ],
    // The estimate and its placement as described here since 0.5 (logs of 0.5–0.11 replay with this release).
    behavesSince: '0.5.0',
    minimumMemoryMiB: 457,
    kvCacheTypeNeedsFlashAttention: true,
    flashAttentionByDefault: false,
    placement: 'estimate',
    ownEngineFamilies: [],
    graphRules: '0.11',
  },
];
