/**
 * llama.cpp's llama-server. It sizes one KV cache of n_ctx tokens shared by the
 * --parallel slots (each slot gets n_ctx / n_parallel), so serving `concurrency`
 * requests of `context` tokens takes `-c context×concurrency -np concurrency`
 * (tools/server/server.cpp, n_ctx_slot = n_ctx / n_parallel).
 */
import { CUDA_CONTEXT_BYTES } from '../../memory/overhead.js';
import { fitGguf } from '../gguf-engine.js';
import type { Deployment, EngineFit } from '../types.js';
import type { LlamacppRelease } from './releases.js';

export function fitLlamacpp(release: LlamacppRelease, d: Deployment): EngineFit {
  return fitGguf(d, {
    swaCache: release.swaCache,
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
      // Equal shares, as the plan places layers; llama.cpp's default splits by free memory at start-up.
      ...(d.gpuCount > 1 ? { 'tensor-split': Array(d.gpuCount).fill(1).join(',') } : {}),
    }),
    logLines: ({ ngl, layers, kvTokens }) => [`load_tensors: offloaded ${ngl}/${layers} layers to GPU`, `llama_context: n_ctx = ${kvTokens}`],
  });
}
