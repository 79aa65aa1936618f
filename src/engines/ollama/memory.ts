/**
 * Ollama runs llama.cpp's loader and kernels behind its own scheduler. It
 * allocates the KV cache for num_ctx × OLLAMA_NUM_PARALLEL tokens, offloads as
 * many layers as its estimate allows (num_gpu), and keeps a per-GPU reserve.
 */
import { CUDA_CONTEXT_BYTES } from '../../memory/overhead.js';
import { MiB } from '../../memory/units.js';
import { fitGguf } from '../gguf-engine.js';
import type { Deployment, EngineFit } from '../types.js';
import type { OllamaRelease } from './releases.js';

export function fitOllama(release: OllamaRelease, d: Deployment): EngineFit {
  return fitGguf(d, {
    // The scheduler's MinimumMemory on every GPU; OLLAMA_GPU_OVERHEAD adds to it and defaults to 0.
    reservePerGpu: CUDA_CONTEXT_BYTES + release.minimumMemoryMiB * MiB,
    reserveFormula: `CUDA context 512 MiB + Ollama minimum free memory ${release.minimumMemoryMiB} MiB`,
    settings: ({ ngl, allOnGpu, cacheType }) => ({
      num_ctx: d.context,
      // Leave num_gpu to Ollama's own estimate when everything fits; pin it when offloading.
      ...(allOnGpu ? {} : { num_gpu: ngl }),
      OLLAMA_NUM_PARALLEL: d.concurrency,
      OLLAMA_KV_CACHE_TYPE: cacheType,
      OLLAMA_FLASH_ATTENTION: true,
      OLLAMA_CONTEXT_LENGTH: d.context,
    }),
    logLines: ({ ngl, layers }) => [`offloaded ${ngl}/${layers} layers to GPU`, `ollama ps: ${ngl === layers ? '100% GPU' : 'split CPU/GPU'}`],
  });
}
