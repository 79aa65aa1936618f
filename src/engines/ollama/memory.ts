/**
 * Ollama runs llama.cpp's loader and kernels behind its own scheduler. It allocates the
 * KV cache for num_ctx × OLLAMA_NUM_PARALLEL tokens and keeps a per-GPU reserve. Releases
 * before 0.30 offload as many layers as their own estimate allows (estimate.ts, logged as
 * `memory.required.full`); from 0.30 the llama-server subprocess places layers as
 * llama.cpp does.
 */
import { CUDA_CONTEXT_BYTES, cudaTotalBytes } from '../../memory/overhead.js';
import { MiB } from '../../memory/units.js';
import { fitGguf, ggufCacheType } from '../gguf-engine.js';
import type { Deployment, EngineFit } from '../types.js';
import { ollamaEstimate, type OllamaEstimate } from './estimate.js';
import type { OllamaRelease } from './releases.js';

/** Ollama's format.HumanBytes2: binary units, one decimal ("6.5 GiB", "560.0 MiB"). */
export function humanBytes2(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Ollama's estimate of a deployment on identical GPUs (releases that place by it). */
export function ollamaPlacementEstimate(release: OllamaRelease, d: Deployment): OllamaEstimate {
  const { arch, layout, artifact } = d.variant;
  // gpuplan's launches set OLLAMA_FLASH_ATTENTION=true (settings below); a launch may say otherwise.
  const flash = d.overrides?.flashAttention ?? true;
  const moe = arch.moe;
  const expertGateBytes = moe ? (moe.routedExperts * arch.hiddenSize * moe.expertIntermediateSize * d.variant.quant.bitsPerWeight) / 8 : 0;
  return ollamaEstimate({
    arch,
    layout,
    expertGateBytes,
    kvCacheType: ggufCacheType(d.kvDtype),
    flashAttention: flash,
    numCtx: d.context,
    numParallel: d.concurrency,
    numBatch: 512,
    numGpu: d.overrides?.gpuLayers ?? -1,
    gpuFree: Array.from({ length: d.gpuCount }, () => cudaTotalBytes(d.gpu)),
    minimumMemory: release.minimumMemoryMiB * MiB,
    mlaCache: artifact?.ggufMlaCache ?? 'heads',
  });
}

export function fitOllama(release: OllamaRelease, d: Deployment): EngineFit {
  const estimate = release.placement === 'estimate' ? ollamaPlacementEstimate(release, d) : null;
  const fit = fitGguf(estimate ? { ...d, overrides: { ...d.overrides, gpuLayers: estimate.layers } } : d, {
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
    logLines: ({ ngl, layers }) =>
      estimate
        ? [
            `msg=offload library=cuda layers.model=${estimate.layersModel} layers.offload=${estimate.layers} memory.required.full="${humanBytes2(estimate.requiredFull)}" memory.required.partial="${humanBytes2(estimate.requiredPartial)}" memory.required.kv="${humanBytes2(estimate.kv)}" memory.weights.repeating="${humanBytes2(estimate.weightsRepeating)}" memory.graph.full="${humanBytes2(estimate.graphFull)}" memory.graph.partial="${humanBytes2(estimate.graphPartial)}"`,
            `load_tensors: offloaded ${ngl}/${layers} layers to GPU`,
          ]
        : [`load_tensors: offloaded ${ngl}/${layers} layers to GPU`, `ollama ps: ${ngl === layers ? '100% GPU' : 'split CPU/GPU'}`],
  });
  // What Ollama says it needs on the GPUs for everything: its estimate, or what llama-server allocates plus the reserves.
  const totalVramBytes = estimate ? estimate.requiredFull : (fit.gpuBufferBytes ?? 0) + release.minimumMemoryMiB * MiB * d.gpuCount;
  return { ...fit, totalVramBytes };
}
