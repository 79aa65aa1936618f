/**
 * Placement of a GGUF model by llama.cpp (and Ollama, which runs llama.cpp's
 * loader): repeating layers and the output layer go to the GPUs, the token
 * embeddings stay in host memory (llama.cpp keeps the input layer on the CPU,
 * src/llama-model.cpp: dev_input = cpu), and with -ngl N the *last* N layers are
 * offloaded, and the output layer only when every repeating layer is: i_gpu_start =
 * max(n_layer − ngl, 0), dev_output = the GPU when ngl > n_layer (llama-model.cpp
 * load_tensors; a partial load logs "offloading 5 repeating layers to GPU").
 */
import type { Architecture } from '../catalog/architecture.js';
import type { Gpu } from '../catalog/schema.js';
import type { KvLayout } from '../memory/kvcache.js';
import type { WeightLayout } from '../memory/weights.js';

/** llama.cpp's default physical batch (-ub, n_ubatch) for the compute graph. */
export const N_UBATCH = 512;
/** llama.cpp computes the graph in f32. */
const F32 = 4;
/** Score-sized f32 matrices live at once without flash attention (see computeBuffer). */
const SCORE_MATRICES = 1;

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
  /** Offload exactly `maxLayers`, fitting or not (a user's -ngl: llama.cpp does not lower it). */
  fixedLayers?: boolean;
  /** Physical batch (-ub); llama.cpp's default when absent. */
  ubatch?: number;
}

export interface GgufPlacement {
  /** Layers on GPU counted as llama.cpp's -ngl counts them (repeating layers + output = n_layer + 1). */
  ngl: number;
  allOnGpu: boolean;
  /** Fullest GPU: its weights, KV and compute buffer. */
  perGpu: { weights: number; kvCache: number; compute: number; total: number };
  gpuWeightBytes: number;
  hostWeightBytes: number;
  /** Compute buffers over all GPUs holding layers. */
  computeTotal: number;
  /** Per-GPU compute buffer estimate and how it was reached. */
  computeFormula: string;
}

/**
 * How the sliding-window layers' cache is sized: `shared`, min(kvTokens, window × slots +
 * n_ubatch) tokens in all (the unified-cache formula of src/llama-kv-cache-unified-iswa.cpp at
 * b6550, as gpuplan has modelled that build); `per-slot`, one stream per slot, each holding
 * pad256(min(n_ctx_seq, window + n_ubatch)) tokens (src/llama-kv-cache-iswa.cpp:73 at b10573,
 * with --parallel N and no --kv-unified).
 */
export type SwaCache = 'shared' | 'per-slot';

/** llama.cpp pads n_ctx, n_ctx_seq and the SWA cache to 256 cells (src/llama-context.cpp, src/llama-kv-cache-iswa.cpp at b10573). */
const pad256 = (n: number) => Math.ceil(n / 256) * 256;

/** Tokens each sliding-window layer keeps for `slots` sequences sharing `kvTokens` tokens. */
export function ggufSwaTokens(window: number, kvTokens: number, slots: number, swaCache: SwaCache = 'shared', ubatch = N_UBATCH): number {
  if (swaCache === 'shared') return Math.min(kvTokens, window * slots + ubatch);
  const ctxSeq = pad256(kvTokens / slots);
  return slots * Math.min(ctxSeq, pad256(window + ubatch));
}

/**
 * KV bytes llama.cpp allocates for `slots` sequences sharing `kvTokens` tokens. Models
 * with sliding-window layers get the iSWA cache: the windowed layers keep `ggufSwaTokens`
 * (unless --swa-full).
 */
export function ggufKvBytes(arch: Architecture, kv: KvLayout, kvTokens: number, slots: number, swaCache: SwaCache = 'shared', ubatch = N_UBATCH): number {
  const sw = arch.slidingWindow;
  if (!sw) return kv.perToken * kvTokens;
  const swaTokens = ggufSwaTokens(sw.window, kvTokens, slots, swaCache, ubatch);
  // A GGUF runs unsharded (TP 1): per GPU is per model; full and sliding layers at their own sizes (Gemma 4).
  return kv.fullPerLayerPerTokenPerGpu * (kv.attentionLayers - sw.layers) * kvTokens + kv.slidingPerLayerPerTokenPerGpu * sw.layers * swaTokens;
}

/**
 * Compute buffer of one GPU, as llama.cpp reserves it for the worst-case graph of one
 * ubatch (f32). On the GPU holding the output layer the logits and the last hidden state
 * dominate: n_ubatch × (n_vocab + n_embd) × 4 B, which is what CUDA0 logs with flash
 * attention (Qwen3-14B Q8_0: 306.75 MiB = 512 × (151,936 + 5,120) × 4 B, llamacpp-b5505-…;
 * Qwen3-Coder-30B-A3B: 300.75 MiB = 512 × (151,936 + 2,048) × 4 B, llamacpp-b7342-…). Other
 * GPUs hold the FFN intermediates (gate and up) of one ubatch. Without flash attention the
 * f32 KQ score matrix n_ubatch × n_ctx × n_head adds to it: Llama-3.1-70B at n_ctx 8,224 logs
 * 1,140.25 MiB (matrix 1,028), DeepSeek-Coder-V2-Lite at 24,608 logs 841.07 (769), DeepSeek-R1
 * at 8,192 logs 2,218 (2,048) (llamacpp-b3488-…, -b3509-…, -b4625-…). One DeepSeek-V3 log with a
 * q5_0 K cache shows 3,630 MiB for a 1,024 MiB matrix (llamacpp-b4568-…), unexplained.
 */
export function computeBuffer(arch: Architecture, kvTokens: number, flashAttention: boolean, holdsOutput: boolean, ubatch = N_UBATCH): number {
  const ffn = arch.moe ? arch.moe.expertIntermediateSize * arch.moe.expertsPerToken : arch.denseIntermediateSize;
  const body = holdsOutput ? ubatch * (arch.vocabSize + arch.hiddenSize) * F32 : ubatch * (arch.hiddenSize + 2 * ffn) * F32;
  const scores = flashAttention ? 0 : SCORE_MATRICES * ubatch * kvTokens * arch.attention.heads * F32;
  return body + scores;
}

/**
 * Offloads as many layers as fit (or `maxLayers`), splitting them over the GPUs in
 * proportion to memory as llama.cpp's default --split-mode layer does.
 */
export function placeGguf(input: GgufPlacementInput): GgufPlacement {
  const { arch, layout, kv, gpu, gpuCount } = input;
  const layers = arch.layers;
  const kvPerLayer = (input.kvBytes ?? kv.perToken * input.kvTokens) / layers;
  // A GGUF without output.weight (tied embeddings: Gemma 3) loads token_embd a second time as the
  // output layer on its device (llama-model.cpp: TENSOR_DUPLICATED), while the input copy stays on the CPU.
  const output = (layout.lmHead > 0 ? layout.lmHead : layout.embeddings) + layout.other;
  const capacity = gpu.memoryBytes - input.reservePerGpu;
  const limit = Math.min(input.maxLayers ?? layers + 1, layers + 1);

  const evaluate = (ngl: number) => {
    const outputOnGpu = ngl > layers;
    const repeating = Math.min(ngl, layers);
    const first = layers - repeating;
    const layerBytes = layout.layers.slice(first).reduce((s, b) => s + b, 0);
    // The output layer sits on the last GPU; layers spread evenly.
    const perGpuLayers = Math.ceil(repeating / gpuCount);
    const avgLayer = repeating > 0 ? layerBytes / repeating : 0;
    const weights = avgLayer * perGpuLayers + (outputOnGpu ? output : 0);
    const kvCache = kvPerLayer * perGpuLayers;
    const ubatch = input.ubatch ?? N_UBATCH;
    const compute = ngl > 0 ? computeBuffer(arch, input.kvTokens, input.flashAttention, outputOnGpu, ubatch) : 0;
    const gpusUsed = Math.min(gpuCount, Math.max(1, repeating));
    const computeTotal = ngl > 0 ? compute + (gpusUsed - 1) * computeBuffer(arch, input.kvTokens, input.flashAttention, false, ubatch) : 0;
    const gpuWeightBytes = layerBytes + (outputOnGpu ? output : 0);
    return { weights, kvCache, compute, total: weights + kvCache + compute, gpuWeightBytes, computeTotal };
  };

  let ngl = limit;
  let placed = evaluate(ngl);
  while (!input.fixedLayers && ngl > 0 && placed.total > capacity) {
    ngl -= 1;
    placed = evaluate(ngl);
  }
  const { gpuWeightBytes, computeTotal, ...perGpu } = placed;
  return {
    ngl,
    computeTotal,
    allOnGpu: ngl === layers + 1,
    perGpu: { ...perGpu, weights: Math.ceil(perGpu.weights), kvCache: Math.ceil(perGpu.kvCache), total: Math.ceil(perGpu.total) },
    gpuWeightBytes,
    // The duplicated token_embd of a tied GGUF is on the GPU in addition to its CPU copy.
    hostWeightBytes: layout.total - gpuWeightBytes + (ngl > layers && layout.lmHead === 0 ? layout.embeddings : 0),
    get computeFormula() {
      const ubatch = input.ubatch ?? N_UBATCH;
      return (
        `logits and hidden state ${ubatch} × (${arch.vocabSize} + ${arch.hiddenSize}) × 4 B on the output GPU, FFN intermediates ${ubatch} × (${arch.hiddenSize} + 2 × FFN) × 4 B on the others` +
        (input.flashAttention ? '' : ` + KQ ${ubatch}×${input.kvTokens}×${arch.attention.heads}×4 B`)
      );
    },
  };
}
