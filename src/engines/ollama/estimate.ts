/**
 * Ollama's own memory estimate, which decides how many layers it offloads: llm/memory.go
 * estimateGPULayers and fs/ggml/ggml.go GraphSize at v0.12.6 (older releases differ in details:
 * v0.11 sized gpt-oss's partial-offload graph at twice the full one, v0.6.0 kept Gemma 3's
 * sliding layers at full context). It is not what llama.cpp allocates: Ollama sizes the compute
 * graph with per-architecture formulas, keeps one layer's worth as a buffer and
 * MinimumMemory on every GPU, and logs the result as `memory.required.full`.
 */
import type { Architecture } from '../../catalog/architecture.js';
import type { WeightLayout } from '../../memory/weights.js';

const MiB = 1024 * 1024;

export interface OllamaEstimateInput {
  arch: Architecture;
  layout: WeightLayout;
  /** Bytes of the MoE expert gate tensor of one layer (ffn_gate_exps), for the Mixtral formula. */
  expertGateBytes: number;
  /** KV cache type Ollama asks for (OLLAMA_KV_CACHE_TYPE), honoured only with flash attention. */
  kvCacheType: string;
  flashAttention: boolean;
  /** num_ctx, per request. */
  numCtx: number;
  numParallel: number;
  numBatch: number;
  /** num_gpu; −1 lets the estimate decide. */
  numGpu: number;
  /** Free memory of each GPU. */
  gpuFree: readonly number[];
  minimumMemory: number;
  /** How the model's GGUF lays out MLA attention (DeepSeek). */
  mlaCache: 'latent' | 'heads';
  /** Which release's GraphSize formulas apply. */
  graphRules: '0.11' | '0.12';
}

export interface OllamaEstimate {
  /** Layers offloaded, counting the output layer (layers.offload). */
  layers: number;
  /** block_count + 1 (layers.model). */
  layersModel: number;
  fullyLoaded: boolean;
  /** memory.required.full: everything, on the GPUs or not. */
  requiredFull: number;
  /** memory.required.partial: what goes on the GPUs. */
  requiredPartial: number;
  kv: number;
  weightsRepeating: number;
  graphFull: number;
  graphPartial: number;
  allocations: number[];
}

/** GGUF general.architecture of a transformers model_type, as Ollama switches on it. */
function ggufArchitecture(arch: Architecture): string {
  switch (arch.modelType) {
    case 'llama':
    case 'mistral':
    case 'mixtral':
      return 'llama';
    case 'qwen2':
      return 'qwen2';
    case 'qwen2_moe':
      return 'qwen2moe';
    case 'qwen3':
      return 'qwen3';
    case 'qwen3_moe':
      return 'qwen3moe';
    case 'deepseek_v2':
    case 'deepseek_v3':
      return 'deepseek2';
    case 'gemma3':
    case 'gemma3_text':
      return 'gemma3';
    case 'gpt_oss':
      return 'gptoss';
    default:
      return arch.modelType;
  }
}

/** The GGUF attention shape Ollama reads: head_count, head_count_kv, key_length, value_length. */
function attentionShape(arch: Architecture, mlaCache: 'latent' | 'heads'): { heads: number; headsKV: number; k: number; v: number } {
  const a = arch.attention;
  if (a.kind === 'mla') {
    return mlaCache === 'latent'
      ? { heads: a.heads, headsKV: 1, k: a.kvLoraRank + a.qkRopeHeadDim, v: a.kvLoraRank }
      : { heads: a.heads, headsKV: a.heads, k: a.qkNopeHeadDim + a.qkRopeHeadDim, v: a.vHeadDim };
  }
  return { heads: a.heads, headsKV: a.kvHeads, k: a.headDim, v: a.headDim };
}

/** ggml.go kvCacheBytesPerElement. */
function bytesPerElement(cacheType: string): number {
  return cacheType === 'q8_0' ? 1 : cacheType === 'q4_0' ? 0.5 : 2;
}

/** fs/ggml/ggml.go GraphSize at v0.12.6: per-layer KV and the partial/full-offload graph sizes. */
export function graphSize(i: OllamaEstimateInput, kvType: string): { kv: number[]; partial: number; full: number } {
  const { arch } = i;
  const gguf = ggufArchitecture(arch);
  const { heads, headsKV, k, v } = attentionShape(arch, i.mlaCache);
  const embedding = arch.hiddenSize;
  const vocab = arch.vocabSize;
  const embeddingHeads = Math.floor(embedding / heads);
  const context = i.numCtx * i.numParallel;
  const batch = Math.min(context, i.numBatch);
  const bpe = bytesPerElement(kvType);
  let kv = Array.from({ length: arch.layers }, () => Math.floor(context * (k + v) * headsKV * bpe));
  const kvTotal = kv.reduce((s, x) => s + x, 0);
  let full = 0;
  let partial = 0;
  switch (gguf) {
    case 'llama':
      full = Math.max(4 * batch * (1 + 4 * embedding + context * (1 + heads)), 4 * batch * (embedding + vocab));
      partial =
        4 * batch * embedding +
        Math.max(
          4 * batch * (1 + embedding + Math.max(context, embedding)) + Math.floor((embedding * embedding * 9) / 16) + 4 * context * (batch * heads + embeddingHeads * headsKV),
          4 * batch * (embedding + vocab) + Math.floor((embedding * vocab * 105) / 128),
        );
      if (arch.moe) {
        // Mixtral in one ffn_gate_exps tensor per layer.
        const ff = arch.moe.expertIntermediateSize;
        partial = Math.max(
          3 * i.expertGateBytes + 4 * batch * (2 * ff + headsKV + embedding + context + embeddingHeads * headsKV),
          4 * (context * batch * heads + context * embeddingHeads * headsKV + batch * 1024 + embeddingHeads * headsKV * batch),
        );
      }
      break;
    case 'gemma3': {
      full = Math.max(4 * batch * (embedding + vocab), 4 * batch * (2 + context + context * heads + 2 * embedding + 2 * k * heads));
      partial = Math.max(
        4 * embedding * batch + Math.floor((embedding * vocab * 105) / 128) + 4 * vocab * batch,
        4 * batch * (2 * embedding + 1 + 2 * k * heads + context + context * heads) + 4 * k * context * 8 + Math.floor((embedding * k * heads * 9) / 16),
      );
      // Every 6th layer is global; the others keep num_parallel × sliding_window + batch tokens.
      const window = i.numParallel * (arch.slidingWindow?.window ?? context) + batch;
      kv = kv.map((x, layer) => ((layer + 1) % 6 !== 0 ? Math.floor(window * (k + v) * headsKV * bpe) : x));
      break;
    }
    case 'qwen2':
      full = Math.max(4 * batch * (embedding + vocab), 4 * batch * (1 + 2 * embedding + context + context * heads));
      partial = Math.max(4 * batch * (embedding + vocab) + Math.floor((embedding * vocab * 105) / 128), 4 * (batch * (1 + 2 * embedding + context * (1 + heads)) + embedding * (1 + context)));
      break;
    case 'deepseek2':
      full = Math.max(4 * batch * (3 * embedding + vocab), 4 * batch * (3 * embedding + 2 + context * (1 + headsKV) + 2 * k * headsKV));
      partial = Math.max(
        4 * batch * (3 * embedding + vocab) + Math.floor((embedding * vocab * 105) / 128),
        4 * batch * (2 * embedding + 1 + 2 * k * headsKV + context + context * headsKV) + 4 * k * context * headsKV + Math.floor((embedding * k * headsKV * 9) / 16),
      );
      break;
    case 'gptoss':
      // Even layers slide over a 4,096-token window per sequence; the graph is sized from the all-full-context total.
      kv = kv.map((_, layer) => Math.floor((k + v) * headsKV * bpe) * (layer % 2 === 0 ? i.numParallel * 4096 + batch : context));
      if (i.graphRules === '0.11') {
        // v0.11.0: fullOffload = 4 × heads / headsKV × kvTotal / 6; partialOffload = 2 × fullOffload.
        full = Math.floor((4 * heads) / Math.max(headsKV, 1)) * Math.floor(kvTotal / 6);
        partial = 2 * full;
        break;
      }
      partial = Math.floor((2 * heads) / Math.max(headsKV, 1)) * Math.floor(kvTotal / 6);
      if (i.flashAttention) partial = (4 * i.numParallel + (context >> 10) + 110) * MiB;
      break;
  }
  return { kv, partial, full };
}

/** llm/memory.go estimateGPULayers at v0.12.6, for GPUs of one kind. */
export function ollamaEstimate(i: OllamaEstimateInput): OllamaEstimate {
  const { arch, layout } = i;
  const { k, v } = attentionShape(arch, i.mlaCache);
  // fs/ggml SupportsFlashAttention: K and V heads of one size; the requested cache type only applies with it.
  const flash = i.flashAttention && k === v;
  const kvType = flash && ['q8_0', 'q4_0'].includes(i.kvCacheType) ? i.kvCacheType : 'f16';
  const g = graphSize({ ...i, flashAttention: flash }, kvType);
  const kv = g.kv;
  const kvTotal = kv.reduce((s, x) => s + x, 0);
  let partial = g.partial;
  if (partial === 0) {
    const { heads, headsKV } = attentionShape(arch, i.mlaCache);
    partial = Math.floor(heads / Math.max(headsKV, 1)) * Math.floor(kvTotal / 6);
  }
  let full = g.full === 0 ? partial : g.full;
  if (i.gpuFree.length > 1) full = partial;
  const graph = Math.max(partial, full);
  const blocks = arch.layers;
  const output = (layout.lmHead > 0 ? layout.lmHead : layout.embeddings) + layout.other;
  let layerSize = (layout.layers[0] ?? 0) + (kv[0] ?? 0);

  const allocations = i.gpuFree.map(() => 0);
  const split = i.gpuFree.map(() => 0);
  let withSpace: number[] = [];
  for (let gpu = 0; gpu < i.gpuFree.length; gpu++) {
    if ((i.gpuFree[gpu] as number) < graph + i.minimumMemory + 2 * layerSize) continue;
    withSpace.push(gpu);
    allocations[gpu] = (allocations[gpu] as number) + i.minimumMemory + layerSize;
  }
  let overflow = 0;
  let layerCount = 0;
  let weightsRepeating = 0;
  // One placement try as estimateGPULayers makes it: GPUs with space, starting at `at` modulo their
  // count; a repeating layer drops the GPUs it does not fit (`dropFull`), the output layer does not.
  const place = (bytes: number, at: number, dropFull: boolean): boolean => {
    for (let j = withSpace.length; j > 0; j--) {
      const gpu = withSpace[at % j] as number;
      if ((i.gpuFree[gpu] as number) > (allocations[gpu] as number) + graph + bytes) {
        allocations[gpu] = (allocations[gpu] as number) + bytes;
        split[gpu] = (split[gpu] as number) + 1;
        layerCount++;
        return true;
      }
      if (dropFull) withSpace = withSpace.filter((_, index) => index !== at % j);
    }
    return false;
  };
  for (let layer = blocks - 1; layer >= 0; layer--) {
    layerSize = (layout.layers[layer] ?? 0) + (kv[layer] ?? 0);
    weightsRepeating += layout.layers[layer] ?? 0;
    if (i.numGpu >= 0 && layerCount >= i.numGpu) {
      overflow += layerSize;
      continue;
    }
    place(layerSize, layer, true);
    if (withSpace.length === 0) overflow += layerSize;
  }
  let fullyLoaded = layerCount >= blocks;
  if (output > 0) {
    if (i.numGpu < 0 || layerCount < i.numGpu) place(output, layerCount, false);
    if (layerCount < blocks + 1) {
      fullyLoaded = false;
      overflow += output;
    }
  }
  for (let gpu = 0; gpu < allocations.length; gpu++) {
    if ((split[gpu] as number) > 0) allocations[gpu] = (allocations[gpu] as number) + (fullyLoaded ? full : partial);
  }
  const requiredPartial = allocations.reduce((s, x) => s + x, 0);
  return {
    layers: layerCount,
    layersModel: blocks + 1,
    fullyLoaded,
    requiredFull: requiredPartial + overflow,
    requiredPartial,
    kv: kvTotal,
    weightsRepeating,
    graphFull: full,
    graphPartial: partial,
    allocations,
  };
}
