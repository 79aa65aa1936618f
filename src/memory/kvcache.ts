import type { Architecture, Indexer } from '../catalog/architecture.js';
import { layerBlocks, ownIndexerLayers } from '../catalog/layers.js';
import { pipelineStageLayers } from './weights.js';

import type { KvDtype } from '../engines/ids.js';

export type { KvDtype } from '../engines/ids.js';
export { KV_DTYPES } from '../engines/ids.js';

/**
 * Bytes per KV cache element for every dtype some engine takes. `auto` follows the
 * model's 16-bit dtype (the engines' default). The ggml cache types are blocks of 32
 * values with one fp16 scale (and a min for _1 types): q8_0 34 B, q4_0 and iq4_nl
 * 18 B, q4_1 20 B, q5_0 22 B, q5_1 24 B (ggml/src/ggml-common.h block_* structs).
 */
export const KV_DTYPE_BYTES: Readonly<Record<KvDtype, number>> = {
  auto: 2,
  bfloat16: 2,
  bf16: 2,
  f16: 2,
  f32: 4,
  fp8: 1,
  fp8_e4m3: 1,
  fp8_e5m2: 1,
  fp8_inc: 1,
  // DeepSeek MLA in fp8 (vLLM FlashMLA sparse): 512 fp8 latent + 4 fp32 scales + 64 bf16 rope = 656 B per 576-element token.
  fp8_ds_mla: 656 / 576,
  // Block-scaled formats (SGLang 0.5.21): MX blocks of 32 share an 8-bit scale (OCP MX spec); NVFP4 blocks of 16 an fp8 scale.
  mxfp8: 1 + 1 / 32,
  nvfp4: 0.5 + 1 / 16,
  fp4_mx_block16: 0.5 + 1 / 16,
  fp4_e2m1: 0.5 + 1 / 32,
  q8_0: 34 / 32,
  q5_1: 24 / 32,
  q5_0: 22 / 32,
  q4_1: 20 / 32,
  q4_0: 18 / 32,
  iq4_nl: 18 / 32,
};

export interface StageLayers {
  /** Attention layers over the whole context. */
  full: number;
  /** Attention layers over a sliding window. */
  sliding: number;
  /** Linear-attention / state-space layers: a fixed state per sequence, no KV. */
  linear: number;
}

/**
 * The layers of each pipeline stage (vLLM get_pp_indices: contiguous, the remainder to the
 * last-but-one stages) split by kind, from the model's own layer order.
 */
export function stageLayers(arch: Architecture, pp: number): StageLayers[] {
  const sliding = new Set(arch.slidingWindow?.indices ?? []);
  const blocks = layerBlocks(arch);
  let start = 0;
  return pipelineStageLayers(arch.layers, pp).map((count) => {
    const stage = { full: 0, sliding: 0, linear: 0 };
    for (let i = start; i < start + count; i++) {
      const mixer = blocks[i]?.mixer;
      if (mixer === 'linear') stage.linear++;
      else if (mixer === 'attention') stage[sliding.has(i) ? 'sliding' : 'full']++;
    }
    start += count;
    return stage;
  });
}

/**
 * Bytes per token of one layer's sparse-attention index cache: the indexer's key in fp8 with an
 * fp32 scale per 128 values, whatever the KV dtype (vLLM deepseek_v2.py DeepseekV32IndexerCache:
 * head_dim + head_dim // quant_block_size × 4 bytes of uint8; SGLang's NSA pool stores the same).
 */
export function indexerBytesPerToken(ix: Indexer): number {
  return ix.headDim + (ix.headDim / 128) * 4;
}

export interface KvLayout {
  /** Bytes per token of one attention layer, for the whole model (no parallelism). */
  perLayerPerToken: number;
  /** Bytes per token of one attention layer on one GPU (the larger kind's, where full and sliding layers differ: Gemma 4). */
  perLayerPerTokenPerGpu: number;
  /** The same for a full-attention and for a sliding-window layer (equal but for Gemma 4). */
  fullPerLayerPerTokenPerGpu: number;
  slidingPerLayerPerTokenPerGpu: number;
  /** Layers that cache tokens (attention layers; a hybrid's linear layers keep a state instead). */
  attentionLayers: number;
  /** Bytes per token, whole model: what one extra token of context costs in total. */
  perToken: number;
  /** Bytes per token on one GPU under TP sharding (or MLA/GQA replication) and its PP stage. */
  perTokenPerGpu: number;
  /** Attention layers on the fullest pipeline stage. */
  layersPerGpu: number;
  /** Each pipeline stage's layers, in order, split into full-attention and sliding-window ones (the model's real layer order). */
  stages: readonly StageLayers[];
  /** KV heads one TP rank holds (GQA); 1 latent vector for MLA. */
  headsPerGpu: number;
  replicated: boolean;
  formula: string;
}

/**
 * KV cache bytes per token.
 * - MHA/GQA: 2 (K and V) × layers × kv_heads × head_dim × bytes. With TP each rank
 *   holds max(1, kv_heads / TP) heads: vLLM's ModelConfig.get_num_kv_heads
 *   replicates heads when TP > kv_heads.
 * - MLA (DeepSeek-V2/V3): one latent of kv_lora_rank + qk_rope_head_dim per layer,
 *   no ×2, and every TP rank stores all of it (vLLM MLA backends).
 */
export function kvLayout(arch: Architecture, dtype: KvDtype, tp = 1, pp = 1): KvLayout {
  const bytes = KV_DTYPE_BYTES[dtype];
  const stages = stageLayers(arch, pp);
  const layersPerGpu = Math.max(...stages.map((s) => s.full + s.sliding));
  const attentionLayers = stages.reduce((sum, s) => sum + s.full + s.sliding, 0);
  const layers = attentionLayers === arch.layers ? `${arch.layers} layers` : `${attentionLayers} attention layers (of ${arch.layers})`;
  const a = arch.attention;
  if (a.kind === 'mla') {
    const latent = a.kvLoraRank + a.qkRopeHeadDim;
    const index = arch.indexer ? indexerBytesPerToken(arch.indexer) : 0;
    // GLM-5.2's shared-indexer layers cache no index keys: exact in perToken; a layer is counted with one (the safe side).
    const indexLayers = ownIndexerLayers(arch).length;
    const perLayer = latent * bytes + index;
    return {
      perLayerPerToken: perLayer,
      perLayerPerTokenPerGpu: perLayer,
      fullPerLayerPerTokenPerGpu: perLayer,
      slidingPerLayerPerTokenPerGpu: perLayer,
      attentionLayers,
      perToken: attentionLayers * latent * bytes + indexLayers * index,
      perTokenPerGpu: layersPerGpu * perLayer,
      layersPerGpu,
      stages,
      headsPerGpu: 1,
      replicated: tp > 1,
      formula:
        `${layers} × ((kv_lora_rank ${a.kvLoraRank} + qk_rope_head_dim ${a.qkRopeHeadDim}) × ${bytes} B` +
        (index ? ` + index key ${index} B${indexLayers < attentionLayers ? ` in ${indexLayers} of them` : ''}` : '') +
        `) (MLA latent, replicated on every TP rank)`,
    };
  }
  const perLayer = 2 * a.kvHeads * a.headDim * bytes;
  const headsPerGpu = Math.max(1, Math.floor(a.kvHeads / tp));
  const perLayerPerGpu = 2 * headsPerGpu * a.headDim * bytes;
  // Gemma 4's full-attention layers: their own KV heads and head size. K stands in for V in the weights, but
  // vLLM loads it into both the K and V cache slots, so both are cached (the helper's reading of vllm gemma4.py).
  const g = a.global;
  const fullLayers = stages.reduce((sum, s) => sum + s.full, 0);
  const fullPerLayer = g ? 2 * g.kvHeads * g.headDim * bytes : perLayer;
  const fullPerLayerPerGpu = g ? 2 * Math.max(1, Math.floor(g.kvHeads / tp)) * g.headDim * bytes : perLayerPerGpu;
  const largest = Math.max(perLayerPerGpu, fullPerLayerPerGpu);
  // The fullest stage's bytes per token, each kind at its own size (exact where Gemma 4's kinds differ).
  const perTokenPerGpu = Math.max(...stages.map((s) => s.full * fullPerLayerPerGpu + s.sliding * perLayerPerGpu));
  return {
    perLayerPerToken: Math.max(perLayer, fullPerLayer),
    perLayerPerTokenPerGpu: largest,
    fullPerLayerPerTokenPerGpu: fullPerLayerPerGpu,
    slidingPerLayerPerTokenPerGpu: perLayerPerGpu,
    attentionLayers,
    perToken: (attentionLayers - fullLayers) * perLayer + fullLayers * fullPerLayer,
    perTokenPerGpu,
    layersPerGpu,
    stages,
    headsPerGpu,
    replicated: tp > a.kvHeads,
    formula: g
      ? `2 × (${attentionLayers - fullLayers} sliding layers × ${a.kvHeads} kv_heads × ${a.headDim} + ${fullLayers} full layers × ${g.kvHeads} kv_heads × ${g.headDim}) × ${bytes} B`
      : `2 × ${layers} × ${a.kvHeads} kv_heads × ${a.headDim} head_dim × ${bytes} B`,
  };
}

/**
 * KV bytes one sequence of `tokens` needs on the fullest GPU. Sliding-window layers keep
 * at most `window` tokens, the rest all of them; with pipeline stages the fullest stage
 * is the one with the most full-attention layers, found from the real layer order.
 */
export function kvBytesForSequence(arch: Architecture, kv: KvLayout, tokens: number): number {
  const window = Math.min(tokens, arch.slidingWindow?.window ?? tokens);
  return Math.max(...kv.stages.map((s) => kv.fullPerLayerPerTokenPerGpu * s.full * tokens + kv.slidingPerLayerPerTokenPerGpu * s.sliding * window));
}

/**
 * The KV layout llama.cpp allocates for a GGUF (src/llama-model.cpp, llama-kv-cache at b6550):
 * as kvLayout for GQA models; for MLA models it depends on the file. One converted after
 * PR #12801 caches K as the latent (kv_lora_rank + qk_rope_head_dim) and V as kv_lora_rank;
 * an older one caches K (qk_nope + qk_rope) and V (v_head_dim) for every head.
 */
export function ggufKvLayout(arch: Architecture, dtype: KvDtype, mlaCache: 'latent' | 'heads', valueDtype: KvDtype = dtype): KvLayout {
  const base = kvLayout(arch, dtype);
  const a = arch.attention;
  const kBytes = KV_DTYPE_BYTES[dtype];
  const vBytes = KV_DTYPE_BYTES[valueDtype];
  // Elements of K and V per token per layer, as the GGUF lays attention out.
  const [k, v] =
    a.kind === 'gqa'
      ? [a.kvHeads * a.headDim, a.kvHeads * a.headDim]
      : mlaCache === 'latent'
        ? [a.kvLoraRank + a.qkRopeHeadDim, a.kvLoraRank]
        : [a.heads * (a.qkNopeHeadDim + a.qkRopeHeadDim), a.heads * a.vHeadDim];
  if (a.kind === 'gqa' && valueDtype === dtype) return base;
  const perLayer = k * kBytes + v * vBytes;
  const types = valueDtype === dtype ? `${kBytes} B` : `K ${kBytes} B, V ${vBytes} B`;
  return {
    ...base,
    perLayerPerToken: perLayer,
    perLayerPerTokenPerGpu: perLayer,
    fullPerLayerPerTokenPerGpu: perLayer,
    slidingPerLayerPerTokenPerGpu: perLayer,
    perToken: base.attentionLayers * perLayer,
    perTokenPerGpu: base.layersPerGpu * perLayer,
    headsPerGpu: a.kind === 'mla' && mlaCache === 'latent' ? 1 : a.kind === 'mla' ? a.heads : base.headsPerGpu,
    formula:
      a.kind === 'gqa'
        ? `${base.attentionLayers} layers × ${a.kvHeads} kv_heads × ${a.headDim} head_dim × (${types})`
        : mlaCache === 'latent'
          ? `${base.attentionLayers} layers × (K: kv_lora_rank ${a.kvLoraRank} + rope ${a.qkRopeHeadDim}, V: ${a.kvLoraRank}) × ${types} (GGUF with the MLA latent cache)`
          : `${base.attentionLayers} layers × ${a.heads} heads × (K ${a.qkNopeHeadDim}+${a.qkRopeHeadDim}, V ${a.vHeadDim}) × ${types} (GGUF converted before llama.cpp's MLA cache: every head's K and V)`,
  };
}
