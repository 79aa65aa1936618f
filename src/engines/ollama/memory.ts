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
import type { Deployment, EngineFit, KvDtype } from '../types.js';
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

/** Whether Ollama decides this model's offload with its memory estimate (releases before 0.30, models its own engine does not run). */
function placesByEstimate(release: OllamaRelease, d: Deployment): boolean {
  return release.placement === 'estimate' && !release.ownEngineFamilies.includes(d.variant.arch.modelType);
}

/**
 * The flash attention and KV cache type Ollama runs with: gpuplan's launches set
 * OLLAMA_FLASH_ATTENTION=true (a launch may say otherwise), and a quantized cache needs flash
 * attention, which needs K and V heads of one size (fs/ggml SupportsFlashAttention: not
 * DeepSeek's 192/128).
 */
export function ollamaCache(d: Deployment): { flashAttention: boolean; kvCacheType: KvDtype } {
  const a = d.variant.arch.attention;
  const sameHeads = a.kind === 'gqa' || d.variant.artifact?.ggufMlaCache === 'latent';
  const flashAttention = (d.overrides?.flashAttention ?? true) && sameHeads;
  const requested = ggufCacheType(d.kvDtype);
  return { flashAttention, kvCacheType: flashAttention || requested === 'f16' ? requested : 'f16' };
}

/** Ollama's estimate of a deployment on identical GPUs (releases that place by it). */
export function ollamaPlacementEstimate(release: OllamaRelease, d: Deployment): OllamaEstimate {
  const { arch, layout, artifact } = d.variant;
  const cache = ollamaCache(d);
  const moe = arch.moe;
  const expertGateBytes = moe ? (moe.routedExperts * arch.hiddenSize * moe.expertIntermediateSize * d.variant.quant.bitsPerWeight) / 8 : 0;
  return ollamaEstimate({
    arch,
    layout,
    expertGateBytes,
    kvCacheType: cache.kvCacheType,
    flashAttention: cache.flashAttention,
    numCtx: d.context,
    numParallel: d.concurrency,
    numBatch: 512,
    numGpu: d.overrides?.gpuLayers ?? -1,
    gpuFree: Array.from({ length: d.gpuCount }, () => cudaTotalBytes(d.gpu)),
    minimumMemory: release.minimumMemoryMiB * MiB,
    mlaCache: artifact?.ggufMlaCache ?? 'heads',
    graphRules: release.graphRules,
  });
}

export function fitOllama(release: OllamaRelease, d: Deployment): EngineFit {
  const estimate = placesByEstimate(release, d) ? ollamaPlacementEstimate(release, d) : null;
  const cache = ollamaCache(d);
  // llama.cpp allocates with the cache Ollama settled on, on the layers its estimate chose.
  const run: Deployment = {
    ...d,
    kvDtype: cache.kvCacheType,
    overrides: { ...d.overrides, flashAttention: cache.flashAttention, ...(estimate ? { gpuLayers: estimate.layers } : {}) },
  };
  const fit = fitGguf(run, {
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
  if (!estimate) return { ...fit, totalVramBytes };
  return {
    ...fit,
    totalVramBytes,
    get notes() {
      return [
        `Ollama ${release.version} decides the layers it offloads by its own estimate, ${humanBytes2(estimate.requiredFull)} for everything (memory.required.full): its graph formula, one layer's worth and ${release.minimumMemoryMiB} MiB kept free per GPU make it larger than what llama.cpp then allocates (the table).`,
        ...fit.notes,
      ];
    },
  };
}
