/**
 * Placement of a GGUF model by llama.cpp (and Ollama, which runs llama.cpp's
 * loader): repeating layers and the output layer go to the GPUs, the token
 * embeddings stay in host memory (llama.cpp keeps the input layer on the CPU,
 * src/llama-model.cpp: dev_input = cpu), and with -ngl N the *last* N layers are
 * offloaded, the output layer first: i_gpu_start = max(n_layer + 1 − ngl, 0).
 */
import type { Architecture } from '../catalog/architecture.js';
import type { Gpu } from '../catalog/schema.js';
import type { KvLayout } from '../memory/kvcache.js';
import type { WeightLayout } from '../memory/weights.js';

/** llama.cpp's default physical batch (-ub, n_ubatch) for the compute graph. */
export const N_UBATCH = 512;
/** llama.cpp computes the graph in f32. */
const F32 = 4;

export interface GgufPlacementInput {
  arch: Architecture;
  layout: WeightLayout;
  kv: KvLayout;
  /** Total context the KV cache is sized for: n_ctx (llama.cpp) or num_ctx × num_parallel (Ollama). */
  kvTokens: number;
  /** KV bytes of all layers (sliding-window layers hold fewer tokens); defaults to every layer holding kvTokens. */
  kvBytes?: number;
  gpu: Gpu;
  gpuCount: number;
  /** Bytes per GPU the engine keeps free (CUDA context, Ollama's reserve). */
  reservePerGpu: number;
  /** Whether flash attention avoids materialising the n_ctx × n_head score matrix. */
  flashAttention: boolean;
  /** Offload at most this many layers (ngl); null: as many as fit. */
  maxLayers: number | null;
}

export interface GgufPlacement {
  /** Layers on GPU counted as llama.cpp's -ngl counts them (repeating layers + output = n_layer + 1). */
  ngl: number;
  allOnGpu: boolean;
  /** Fullest GPU: its weights, KV and compute buffer. */
  perGpu: { weights: number; kvCache: number; compute: number; total: number };
  gpuWeightBytes: number;
  hostWeightBytes: number;
  /** Per-GPU compute buffer estimate and how it was reached. */
  computeFormula: string;
}

/**
 * Compute buffer of one GPU: llama.cpp sizes it by reserving the worst-case graph
 * for one ubatch: the f32 activations of a layer (hidden states, the FFN
 * intermediate, q/k/v) plus, without flash attention, the KQ score matrix
 * n_ubatch × n_ctx × n_head, and on the GPU holding the output layer the logits
 * n_ubatch × n_vocab.
 */
/**
 * KV bytes llama.cpp allocates for `slots` sequences sharing `kvTokens` tokens. Models
 * with sliding-window layers get the iSWA cache (llama_kv_cache_unified_iswa, src/llama-kv-cache-unified-iswa.cpp at b6550): the
 * windowed layers keep min(kvTokens, window × slots + n_ubatch) tokens (unless --swa-full).
 */
export function ggufKvBytes(arch: Architecture, kv: KvLayout, kvTokens: number, slots: number): number {
  const sw = arch.slidingWindow;
  if (!sw) return kv.perToken * kvTokens;
  const perLayer = kv.perToken / arch.layers;
  const swaTokens = Math.min(kvTokens, sw.window * slots + N_UBATCH);
  return perLayer * ((arch.layers - sw.layers) * kvTokens + sw.layers * swaTokens);
}

export function computeBuffer(arch: Architecture, kvTokens: number, flashAttention: boolean, holdsOutput: boolean): number {
  const ffn = arch.moe ? arch.moe.expertIntermediateSize * arch.moe.expertsPerToken : arch.denseIntermediateSize;
  const layer = N_UBATCH * (4 * arch.hiddenSize + 2 * ffn) * F32;
  const scores = flashAttention ? 0 : N_UBATCH * kvTokens * arch.attention.heads * F32;
  const logits = holdsOutput ? N_UBATCH * arch.vocabSize * F32 : 0;
  return layer + scores + logits;
}

/**
 * Offloads as many layers as fit (or `maxLayers`), splitting them over the GPUs in
 * proportion to memory as llama.cpp's default --split-mode layer does.
 */
export function placeGguf(input: GgufPlacementInput): GgufPlacement {
  const { arch, layout, kv, gpu, gpuCount } = input;
  const layers = arch.layers;
  const kvPerLayer = (input.kvBytes ?? kv.perToken * input.kvTokens) / layers;
  const output = layout.lmHead + layout.other;
  const capacity = gpu.memoryBytes - input.reservePerGpu;
  const limit = Math.min(input.maxLayers ?? layers + 1, layers + 1);

  const evaluate = (ngl: number) => {
    const outputOnGpu = ngl >= 1;
    const repeating = Math.max(0, ngl - 1);
    const first = layers - repeating;
    const layerBytes = layout.layers.slice(first).reduce((s, b) => s + b, 0);
    // The output layer sits on the last GPU; layers spread evenly.
    const perGpuLayers = Math.ceil(repeating / gpuCount);
    const avgLayer = repeating > 0 ? layerBytes / repeating : 0;
    const weights = avgLayer * perGpuLayers + (outputOnGpu ? output : 0);
    const kvCache = kvPerLayer * perGpuLayers;
    const compute = ngl > 0 ? computeBuffer(arch, input.kvTokens, input.flashAttention, outputOnGpu) : 0;
    const gpuWeightBytes = layerBytes + (outputOnGpu ? output : 0);
    return { weights, kvCache, compute, total: weights + kvCache + compute, gpuWeightBytes };
  };

  let ngl = limit;
  let placed = evaluate(ngl);
  while (ngl > 0 && placed.total > capacity) {
    ngl -= 1;
    placed = evaluate(ngl);
  }
  const { gpuWeightBytes, ...perGpu } = placed;
  return {
    ngl,
    allOnGpu: ngl === layers + 1,
    perGpu: { ...perGpu, weights: Math.ceil(perGpu.weights), kvCache: Math.ceil(perGpu.kvCache), total: Math.ceil(perGpu.total) },
    gpuWeightBytes,
    hostWeightBytes: layout.total - gpuWeightBytes,
    get computeFormula() {
      return (
        `ubatch ${N_UBATCH} × (4×${arch.hiddenSize} + 2×FFN) × 4 B` +
        (input.flashAttention ? '' : ` + KQ ${N_UBATCH}×${input.kvTokens}×${arch.attention.heads}×4 B`) +
        ` + logits ${N_UBATCH}×${arch.vocabSize}×4 B on the output GPU`
      );
    },
  };
}
