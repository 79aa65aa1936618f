import type { Architecture } from '../catalog/architecture.js';

/** Activations are computed in the model's 16-bit dtype. */
const ACTIVATION_BYTES = 2;
/** vLLM's sampler works on fp32 logits (vllm/v1/sample/sampler.py casts logits to float32). */
const LOGIT_BYTES = 4;
/**
 * vLLM's fused MoE kernel processes at most this many tokens at a time
 * (VLLM_FUSED_MOE_CHUNK_SIZE, default 32768 in vllm/envs.py), so its
 * intermediate caches stop growing there.
 */
export const FUSED_MOE_CHUNK_TOKENS = 32768;

export interface ActivationPeak {
  bytes: number;
  formula: string;
}

/**
 * Transient peak of one forward pass over `tokens` batched tokens on one TP rank,
 * plus the logits of `sequences` sampled sequences. The residual stream and the
 * normalised hidden state stay live while the largest of (attention projections,
 * MLP/MoE intermediates, logits) is allocated. This is what vLLM's profile_run
 * measures as the torch activation peak at max_num_batched_tokens / max_num_seqs.
 */
export function inferenceActivationPeak(arch: Architecture, tokens: number, sequences: number, tp = 1): ActivationPeak {
  const h = arch.hiddenSize;
  const b = ACTIVATION_BYTES;
  const residual = 2 * tokens * h * b;
  const a = arch.attention;
  const attentionWidth =
    a.kind === 'mla'
      ? (a.heads / tp) * (a.qkNopeHeadDim + a.qkRopeHeadDim + a.qkNopeHeadDim + a.vHeadDim) + a.kvLoraRank + a.qkRopeHeadDim
      : (a.heads / tp + 2 * Math.max(1, a.kvHeads / tp)) * a.headDim;
  const attention = tokens * attentionWidth * b;
  // gate_up output (2·I) and the activated half (I) are live together.
  const denseMlp = tokens * ((3 * arch.denseIntermediateSize) / tp) * b;
  let moe = 0;
  if (arch.moe) {
    const m = Math.min(tokens, FUSED_MOE_CHUNK_TOKENS) * arch.moe.expertsPerToken;
    // fused_moe intermediate_cache1 (2N), cache2 (N), cache3 (hidden) per routed token.
    moe = m * ((3 * arch.moe.expertIntermediateSize) / tp + h) * b;
  }
  const logits = sequences * arch.vocabSize * LOGIT_BYTES;
  const largest = Math.max(attention, denseMlp, moe, logits);
  return {
    bytes: Math.ceil(residual + largest),
    formula:
      `residual 2×${tokens} tokens×${h}×${b} B + max(attention ${tokens}×${Math.round(attentionWidth)}×${b}, ` +
      `MLP ${tokens}×3×${arch.denseIntermediateSize}/TP${tp}×${b}` +
      (arch.moe ? `, MoE ${Math.min(tokens, FUSED_MOE_CHUNK_TOKENS)}×top${arch.moe.expertsPerToken}×(3×${arch.moe.expertIntermediateSize}/TP+${h})×${b}` : '') +
      (sequences > 0 ? `, logits ${sequences} seqs×${arch.vocabSize}×${LOGIT_BYTES} B` : '') +
      ')',
  };
}

/**
 * Training activations per layer, Korthikanti et al. 2022 ("Reducing Activation
 * Recomputation in Large Transformer Models", eq. 1): s·b·h·(34 + 5·a·s/h) bytes
 * without recomputation. The 5·a·s²·b part is the attention scores, softmax and
 * dropout mask; FlashAttention / PyTorch SDPA (the default attention of current
 * trainers) never materialises them, leaving 34·s·b·h. With full activation
 * checkpointing only each layer's input (2·s·b·h bytes) is kept, plus one layer's
 * worth while it is recomputed.
 */
export function trainingActivations(arch: Architecture, sequenceLength: number, batch: number, checkpointing: boolean, storesAttentionScores = false): ActivationPeak {
  const s = sequenceLength;
  const h = arch.hiddenSize;
  const heads = arch.attention.heads;
  const scores = storesAttentionScores ? (5 * heads * s) / h : 0;
  const perLayerFull = s * batch * h * (34 + scores);
  const shape = storesAttentionScores ? `s·b·h·(34 + 5·a·s/h), s=${s}, b=${batch}, h=${h}, a=${heads}` : `34·s·b·h (flash attention: no score matrix), s=${s}, b=${batch}, h=${h}`;
  if (!checkpointing) {
    return { bytes: Math.ceil(arch.layers * perLayerFull), formula: `${arch.layers} layers × ${shape}` };
  }
  const kept = arch.layers * 2 * s * batch * h;
  return {
    bytes: Math.ceil(kept + perLayerFull),
    formula: `checkpointed: ${arch.layers} layers × 2·s·b·h + one layer recomputed ${shape}`,
  };
}
