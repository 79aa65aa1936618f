import type { Architecture } from '../catalog/architecture.js';
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
  full: number;
  sliding: number;
}

/**
 * The layers of each pipeline stage (vLLM get_pp_indices: contiguous, the remainder to the
 * last-but-one stages) split by attention kind, from the model's own sliding-layer indices.
 */
export function stageLayers(arch: Architecture, pp: number): StageLayers[] {
  const sliding = new Set(arch.slidingWindow?.indices ?? []);
  let start = 0;
  return pipelineStageLayers(arch.layers, pp).map((count) => {
    let windowed = 0;
    for (let i = start; i < start + count; i++) if (sliding.has(i)) windowed++;
    start += count;
    return { full: count - windowed, sliding: windowed };
  });
}

export interface KvLayout {
  /** Bytes per token of one layer, for the whole model (no parallelism). */
  perLayerPerToken: number;
  /** Bytes per token, whole model: what one extra token of context costs in total. */
  perToken: number;
  /** Bytes per token on one GPU under TP sharding (or MLA/GQA replication) and its PP stage. */
  perTokenPerGpu: number;
  /** Layers on the fullest pipeline stage. */
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
  const a = arch.attention;
  if (a.kind === 'mla') {
    const latent = a.kvLoraRank + a.qkRopeHeadDim;
    const perLayer = latent * bytes;
    return {
      perLayerPerToken: perLayer,
      perToken: arch.layers * perLayer,
      perTokenPerGpu: layersPerGpu * perLayer,
      layersPerGpu,
      stages,
      headsPerGpu: 1,
      replicated: tp > 1,
      formula: `${arch.layers} layers × (kv_lora_rank ${a.kvLoraRank} + qk_rope_head_dim ${a.qkRopeHeadDim}) × ${bytes} B (MLA latent, replicated on every TP rank)`,
    };
  }
  const perLayer = 2 * a.kvHeads * a.headDim * bytes;
  const headsPerGpu = Math.max(1, Math.floor(a.kvHeads / tp));
  return {
    perLayerPerToken: perLayer,
    perToken: arch.layers * perLayer,
    perTokenPerGpu: layersPerGpu * 2 * headsPerGpu * a.headDim * bytes,
    layersPerGpu,
    stages,
    headsPerGpu,
    replicated: tp > a.kvHeads,
    formula: `2 × ${arch.layers} layers × ${a.kvHeads} kv_heads × ${a.headDim} head_dim × ${bytes} B`,
  };
}

/**
 * KV bytes one sequence of `tokens` needs on the fullest GPU. Sliding-window layers keep
 * at most `window` tokens, the rest all of them; with pipeline stages the fullest stage
 * is the one with the most full-attention layers, found from the real layer order.
 */
export function kvBytesForSequence(arch: Architecture, kv: KvLayout, tokens: number): number {
  const perLayerPerGpu = kv.perTokenPerGpu / kv.layersPerGpu;
  const window = Math.min(tokens, arch.slidingWindow?.window ?? tokens);
  return Math.max(...kv.stages.map((s) => perLayerPerGpu * (s.full * tokens + s.sliding * window)));
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
    perToken: arch.layers * perLayer,
    perTokenPerGpu: base.layersPerGpu * perLayer,
    headsPerGpu: a.kind === 'mla' && mlaCache === 'latent' ? 1 : a.kind === 'mla' ? a.heads : base.headsPerGpu,
    formula:
      a.kind === 'gqa'
        ? `${arch.layers} layers × ${a.kvHeads} kv_heads × ${a.headDim} head_dim × (${types})`
        : mlaCache === 'latent'
          ? `${arch.layers} layers × (K: kv_lora_rank ${a.kvLoraRank} + rope ${a.qkRopeHeadDim}, V: ${a.kvLoraRank}) × ${types} (GGUF with the MLA latent cache)`
          : `${arch.layers} layers × ${a.heads} heads × (K ${a.qkNopeHeadDim}+${a.qkRopeHeadDim}, V ${a.vHeadDim}) × ${types} (GGUF converted before llama.cpp's MLA cache: every head's K and V)`,
  };
}
