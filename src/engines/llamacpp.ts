/**
 * llama.cpp's llama-server. It sizes one KV cache of n_ctx tokens shared by the
 * --parallel slots (each slot gets n_ctx / n_parallel), so serving `concurrency`
 * requests of `context` tokens takes `-c context×concurrency -np concurrency`
 * (tools/server/server.cpp, n_ctx_slot = n_ctx / n_parallel).
 */
import { CUDA_CONTEXT_BYTES } from '../memory/overhead.js';
import { fitGguf, ggufEngine } from './gguf-engine.js';
import type { Deployment, Engine, EngineFit } from './types.js';

/** The llama.cpp release (build tag) gpuplan's flags and defaults follow. */
export const LLAMACPP_VERSION = 'b6550';
export const LLAMACPP_IMAGE = `ghcr.io/ggml-org/llama.cpp:server-cuda-${LLAMACPP_VERSION}`;

export function fitLlamacpp(d: Deployment): EngineFit {
  return fitGguf(d, {
    reservePerGpu: CUDA_CONTEXT_BYTES,
    reserveFormula: 'CUDA context and cuBLAS workspace 512 MiB',
    settings: ({ ngl, kvTokens, cacheType }) => ({
      'n-gpu-layers': ngl,
      'ctx-size': kvTokens,
      parallel: d.concurrency,
      'cache-type-k': cacheType,
      'cache-type-v': cacheType,
      'flash-attn': 'on',
      'split-mode': 'layer',
    }),
    logLines: ({ ngl, layers, kvTokens }) => [`load_tensors: offloaded ${ngl}/${layers} layers to GPU`, `llama_context: n_ctx = ${kvTokens}`],
  });
}

export const llamacpp: Engine = ggufEngine({
  id: 'llamacpp',
  name: 'llama.cpp',
  version: LLAMACPP_VERSION,
  sources: { hf: true, ollama: false, splitFiles: true },
  files: ['llama-server.sh', 'docker-compose.yml'],
  fit: fitLlamacpp,
});
