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

export interface KvLayout {
  /** Bytes per token of one layer, for the whole model (no parallelism). */
  perLayerPerToken: number;
  /** Bytes per token, whole model: what one extra token of context costs in total. */
  perToken: number;
  /** Bytes per token on one GPU under TP sharding (or MLA/GQA replication) and its PP stage. */
  perTokenPerGpu: number;
  /** Layers on the fullest pipeline stage. */
  layersPerGpu: number;
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
  const layersPerGpu = Math.max(...pipelineStageLayers(arch.layers, pp));
  const a = arch.attention;
  if (a.kind === 'mla') {
    const latent = a.kvLoraRank + a.qkRopeHeadDim;
    const perLayer = latent * bytes;
    return {
      perLayerPerToken: perLayer,
      perToken: arch.layers * perLayer,
      perTokenPerGpu: layersPerGpu * perLayer,
      layersPerGpu,
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
    headsPerGpu,
    replicated: tp > a.kvHeads,
    formula: `2 × ${arch.layers} layers × ${a.kvHeads} kv_heads × ${a.headDim} head_dim × ${bytes} B`,
  };
}

/**
 * KV bytes one sequence of `tokens` needs on one GPU. Sliding-window layers keep
 * at most `window` tokens; the rest keep them all.
 */
export function kvBytesForSequence(arch: Architecture, kv: KvLayout, tokens: number): number {
  const perLayerPerGpu = kv.perTokenPerGpu / kv.layersPerGpu;
  const sw = arch.slidingWindow;
  if (!sw) return kv.perTokenPerGpu * tokens;
  const windowLayers = Math.round((sw.layers * kv.layersPerGpu) / arch.layers);
  const fullLayers = kv.layersPerGpu - windowLayers;
  return perLayerPerGpu * (fullLayers * tokens + windowLayers * Math.min(tokens, sw.window));
}
