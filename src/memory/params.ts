import type { Architecture, GqaAttention, MlaAttention, Moe } from '../catalog/architecture.js';
import type { ParamGroup } from '../catalog/schema.js';

export type ParamGroups = Record<ParamGroup, number>;

export interface ParamCount {
  /** Parameters the served model holds (MTP layers excluded), by group. */
  groups: ParamGroups;
  total: number;
  /**
   * Parameters read per token: all but the routed experts not chosen and the
   * embedding table, of which a token reads one row (unless tied to lm_head).
   */
  active: number;
  /** DeepSeek-V3 multi-token-prediction module as stored in the checkpoint (own embedding and head copies included). */
  mtp: number;
  formula: string;
}

/** Per-layer attention weights of grouped-query (or multi-head) attention. */
export function gqaAttentionParams(hidden: number, a: GqaAttention): number {
  const q = a.heads * a.headDim;
  const kv = a.kvHeads * a.headDim;
  let params = hidden * q + 2 * hidden * kv + q * hidden;
  if (a.qkvBias) params += q + 2 * kv;
  if (a.outputBias) params += hidden;
  if (a.qkNorm) params += 2 * a.headDim;
  if (a.sinks) params += a.heads;
  return params;
}

/**
 * Per-layer weights of DeepSeek's multi-head latent attention (modeling_deepseek.py
 * DeepseekV3Attention): q_a_proj + q_a_layernorm + q_b_proj (or a plain q_proj when
 * q_lora_rank is null), kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, o_proj.
 */
export function mlaAttentionParams(hidden: number, a: MlaAttention): number {
  const qHeadDim = a.qkNopeHeadDim + a.qkRopeHeadDim;
  const q = a.qLoraRank === null ? hidden * a.heads * qHeadDim : hidden * a.qLoraRank + a.qLoraRank + a.qLoraRank * a.heads * qHeadDim;
  const kvA = hidden * (a.kvLoraRank + a.qkRopeHeadDim) + a.kvLoraRank;
  const kvB = a.kvLoraRank * a.heads * (a.qkNopeHeadDim + a.vHeadDim);
  const o = a.heads * a.vHeadDim * hidden;
  return q + kvA + kvB + o;
}

/** A gated (SwiGLU) MLP: gate, up and down projections. */
export function gatedMlpParams(hidden: number, intermediate: number): number {
  return 3 * hidden * intermediate;
}

export function attentionParams(arch: Architecture): number {
  return arch.attention.kind === 'mla' ? mlaAttentionParams(arch.hiddenSize, arch.attention) : gqaAttentionParams(arch.hiddenSize, arch.attention);
}

interface MoeLayerParams {
  routed: number;
  shared: number;
  router: number;
}

function moeLayerParams(hidden: number, moe: Moe): MoeLayerParams {
  const expertBias = moe.expertBias ? 2 * moe.expertIntermediateSize + hidden : 0;
  const routed = moe.routedExperts * (gatedMlpParams(hidden, moe.expertIntermediateSize) + expertBias);
  const shared = moe.sharedExpertIntermediateSize > 0 ? gatedMlpParams(hidden, moe.sharedExpertIntermediateSize) : 0;
  const router = moe.routedExperts * hidden + (moe.routerBias ? moe.routedExperts : 0) + (moe.sharedExpertGate ? hidden : 0);
  return { routed, shared, router };
}

/** Exact parameter count from the architecture, as the checkpoint stores it. */
export function countParams(arch: Architecture): ParamCount {
  const h = arch.hiddenSize;
  const moeLayers = arch.moe?.moeLayers ?? 0;
  const denseLayers = arch.layers - moeLayers;
  const attention = attentionParams(arch);
  const moeLayer = arch.moe ? moeLayerParams(h, arch.moe) : { routed: 0, shared: 0, router: 0 };
  const layerNorms = arch.normsPerLayer * h;

  const groups: ParamGroups = {
    embeddings: arch.vocabSize * h,
    lmHead: arch.tiedEmbeddings ? 0 : arch.vocabSize * h,
    attention: arch.layers * attention,
    mlp: denseLayers * gatedMlpParams(h, arch.denseIntermediateSize),
    sharedExperts: moeLayers * moeLayer.shared,
    routedExperts: moeLayers * moeLayer.routed,
    router: moeLayers * moeLayer.router,
    norms: arch.layers * layerNorms + h,
    vision: arch.visionParams,
  };
  const total = Object.values(groups).reduce((sum, n) => sum + n, 0);
  const inactiveShare = arch.moe ? 1 - arch.moe.expertsPerToken / arch.moe.routedExperts : 0;
  const embeddingLookup = arch.tiedEmbeddings ? 0 : groups.embeddings;
  const active = total - groups.routedExperts * inactiveShare - embeddingLookup;

  // modeling_deepseek.py / DeepSeek's inference code: each MTP module is one MoE decoder layer
  // plus enorm, hnorm, eh_proj (2h → h) and shared_head.norm; the checkpoint also stores
  // its own copies of embed_tokens and shared_head.head.
  const mtpLayer = attention + layerNorms + moeLayer.routed + moeLayer.shared + moeLayer.router + 3 * h + 2 * h * h + 2 * arch.vocabSize * h;
  const mtp = arch.mtpLayers * mtpLayer;

  const parts = [
    `embeddings ${arch.vocabSize}×${h}`,
    arch.tiedEmbeddings ? 'lm_head tied' : `lm_head ${arch.vocabSize}×${h}`,
    `${arch.layers} layers × attention ${attention}`,
    denseLayers > 0 ? `${denseLayers} dense MLP × 3×${h}×${arch.denseIntermediateSize}` : '',
    arch.moe
      ? `${moeLayers} MoE layers × (${arch.moe.routedExperts} experts × 3×${h}×${arch.moe.expertIntermediateSize}` +
        (moeLayer.shared ? ` + shared 3×${h}×${arch.moe.sharedExpertIntermediateSize}` : '') +
        ` + router ${moeLayer.router})`
      : '',
    `norms ${groups.norms}`,
    arch.visionParams ? `vision encoder + projector ${arch.visionParams}` : '',
  ].filter(Boolean);
  return { groups, total, active, mtp, formula: parts.join(' + ') };
}
