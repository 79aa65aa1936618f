/**
 * llama.cpp's llama-server. It sizes one KV cache of n_ctx tokens shared by the
 * --parallel slots (each slot gets n_ctx / n_parallel), so serving `concurrency`
 * requests of `context` tokens takes `-c context×concurrency -np concurrency`
 * (tools/server/server.cpp, n_ctx_slot = n_ctx / n_parallel).
 */
import { CUDA_CONTEXT_BYTES } from '../memory/overhead.js';
import { PLAN_FILES } from './common.js';
import { fitGguf, ggufCacheType, ggufLoadUnsupported, ggufUnsupported, layerSplitLayouts } from './gguf-engine.js';
import type { Deployment, Engine, EngineFit } from './types.js';

/** The llama.cpp release (build tag) gpuplan's flags and defaults follow. */
export const LLAMACPP_VERSION = 'b6550';
export const LLAMACPP_IMAGE = `ghcr.io/ggml-org/llama.cpp:server-cuda-${LLAMACPP_VERSION}`;

export function fitLlamacpp(d: Deployment): EngineFit {
  const kvTokens = d.context * d.concurrency;
  const cacheType = ggufCacheType(d.kvDtype);
  return fitGguf(d, {
    engineName: 'llama.cpp',
    reservePerGpu: CUDA_CONTEXT_BYTES,
    reserveFormula: 'CUDA context and cuBLAS workspace 512 MiB',
    kvTokens,
    settings: (ngl) => ({
      'n-gpu-layers': ngl,
      'ctx-size': kvTokens,
      parallel: d.concurrency,
      'cache-type-k': cacheType,
      'cache-type-v': cacheType,
      'flash-attn': 'on',
      'split-mode': 'layer',
    }),
    logLines: (ngl, layers) => [`load_tensors: offloaded ${ngl}/${layers} layers to GPU`, `llama_context: n_ctx = ${kvTokens}`],
  });
}

export const llamacpp: Engine = {
  id: 'llamacpp',
  name: 'llama.cpp',
  version: LLAMACPP_VERSION,
  onlineQuantizations: [],
  unsupported: (quant) => ggufUnsupported('llama.cpp', quant, 'llamacpp'),
  loadUnsupported: (variant) => ggufLoadUnsupported(variant, { hf: true, ollama: false, splitFiles: true }, 'llama.cpp'),
  layouts: (_arch, _gpu, gpuCount, nodes) => layerSplitLayouts(gpuCount, nodes),
  fit: fitLlamacpp,
  deployFiles: () => [...['llama-server.sh', 'docker-compose.yml'], ...PLAN_FILES],
};
