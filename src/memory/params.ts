import type { Architecture, GqaAttention, Indexer, LinearMixer, MlaAttention, Moe } from '../catalog/architecture.js';
import { attentionLayerIndices, countLayers, ownIndexerLayers } from '../catalog/layers.js';
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
export function gqaAttentionParams(hidden: number, a: GqaAttention, fullLayer = false): number {
  // Gemma 4's full-attention layers have their own head size and KV heads, and with K = V no v_proj.
  const g = fullLayer ? a.global : null;
  const headDim = g?.headDim ?? a.headDim;
  const q = a.heads * headDim;
  const kv = (g?.kvHeads ?? a.kvHeads) * headDim;
  const projections = g?.valueFromKey ? 1 : 2;
  // A gated attention's q_proj yields the query and a gate of the same width.
  const qOut = a.outputGate ? 2 * q : q;
  let params = hidden * qOut + projections * hidden * kv + q * hidden;
  if (a.qkvBias) params += qOut + projections * kv;
  if (a.outputBias) params += hidden;
  if (a.qkNorm) params += a.qkNormScope === 'all' ? q + kv : 2 * headDim;
  if (a.sinks) params += a.heads;
  return params;
}

/**
 * Per-layer weights of a linear-attention or state-space mixer, module by module:
 * - Gated DeltaNet (transformers modeling_qwen3_next.py Qwen3NextGatedDeltaNet): in_proj_qkvz
 *   (hidden → 2 key_dim + 2 value_dim), in_proj_ba (hidden → 2 value heads), a depthwise conv1d over
 *   2 key_dim + value_dim channels without bias, dt_bias and A_log per value head, a gated RMSNorm
 *   of value_head_dim, out_proj (value_dim → hidden).
 * - Kimi Delta Attention (vLLM model_executor/layers/kda.py KimiDeltaAttention): q/k/v_proj, a
 *   short conv1d on each of q, k and v, f_a/f_b and g_a/g_b low-rank projections through head_dim,
 *   b_proj (hidden → heads), A_log per head, dt_bias per channel, a gated RMSNorm of head_dim, o_proj.
 * - Mamba-2 (modeling_nemotron_h.py NemotronHMamba2Mixer): in_proj (hidden → 2 inner + 2 groups ×
 *   state + heads), conv1d over inner + 2 groups × state channels, dt_bias, A_log and D per head, a
 *   gated RMSNorm of inner, out_proj (inner → hidden).
 */
export function linearMixerParams(hidden: number, m: LinearMixer): number {
  if (m.kind === 'gated-deltanet') {
    const key = m.keyHeads * m.keyHeadDim;
    const value = m.valueHeads * m.valueHeadDim;
    return hidden * (2 * key + 2 * value) + hidden * 2 * m.valueHeads + (2 * key + value) * m.convKernel + 2 * m.valueHeads + m.valueHeadDim + value * hidden;
  }
  if (m.kind === 'kimi-delta') {
    const width = m.heads * m.headDim;
    const lowRank = 2 * (hidden * m.headDim + m.headDim * width);
    return 3 * hidden * width + 3 * width * m.convKernel + lowRank + hidden * m.heads + m.heads + width + m.headDim + width * hidden;
  }
  const inner = m.heads * m.headDim;
  const convChannels = inner + 2 * m.groups * m.stateSize;
  const inProjection = hidden * (2 * inner + 2 * m.groups * m.stateSize + m.heads);
  const outProjection = inner * hidden;
  const biases = m.projectionBias ? 2 * inner + 2 * m.groups * m.stateSize + m.heads + hidden : 0;
  return inProjection + convChannels * m.convKernel + (m.convBias ? convChannels : 0) + 3 * m.heads + inner + outProjection + biases;
}

/**
 * Per-layer weights of DeepSeek Sparse Attention's indexer (DeepSeek-V3.2 inference/model.py
 * Indexer): wq_b (q_lora_rank → heads × head_dim), wk (hidden → head_dim), k_norm (a LayerNorm:
 * weight and bias), weights_proj (hidden → heads).
 */
export function indexerParams(hidden: number, qLoraRank: number, ix: Indexer): number {
  return qLoraRank * ix.heads * ix.headDim + hidden * ix.headDim + 2 * ix.headDim + hidden * ix.heads;
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

/** A gated (SwiGLU) MLP: gate, up and down projections; an ungated one (squared ReLU) has up and down only. */
export function gatedMlpParams(hidden: number, intermediate: number, gated = true): number {
  return (gated ? 3 : 2) * hidden * intermediate;
}

/**
 * One attention layer's weights, its sparse-attention indexer aside (`indexerParamsPerLayer`, in the
 * layers of `ownIndexerLayers`): a full-attention layer's when `fullLayer` (they differ only for
 * Gemma 4), else a sliding one's.
 */
export function attentionParams(arch: Architecture, fullLayer = false): number {
  const a = arch.attention;
  return a.kind === 'mla' ? mlaAttentionParams(arch.hiddenSize, a) : gqaAttentionParams(arch.hiddenSize, a, fullLayer);
}

/** The indexer's weights in one layer that runs its own (0 without an indexer). */
export function indexerParamsPerLayer(arch: Architecture): number {
  const a = arch.attention;
  return arch.indexer && a.kind === 'mla' ? indexerParams(arch.hiddenSize, a.qLoraRank ?? arch.hiddenSize, arch.indexer) : 0;
}

/** One linear-mixer layer's weights (0 for a model without them). */
export function linearLayerParams(arch: Architecture): number {
  return arch.linearMixer ? linearMixerParams(arch.hiddenSize, arch.linearMixer) : 0;
}

interface MoeLayerParams {
  routed: number;
  shared: number;
  router: number;
}

export function moeLayerParams(hidden: number, moe: Moe, gated = true): MoeLayerParams {
  const expertBias = moe.expertBias ? 2 * moe.expertIntermediateSize + hidden : 0;
  const routed = moe.routedExperts * (gatedMlpParams(hidden, moe.expertIntermediateSize, gated) + expertBias);
  const shared = moe.sharedExpertIntermediateSize > 0 ? gatedMlpParams(hidden, moe.sharedExpertIntermediateSize, gated) : 0;
  const router = moe.routedExperts * hidden + (moe.routerBias ? moe.routedExperts : 0) + (moe.sharedExpertGate ? hidden : 0) + moe.routerExtraParams;
  return { routed, shared, router };
}

/** Exact parameter count from the architecture, as the checkpoint stores it. */
export function countParams(arch: Architecture): ParamCount {
  const h = arch.hiddenSize;
  const moeLayers = countLayers(arch, (b) => b.ffn === 'moe');
  // Gemma 4's experts run beside a dense MLP in the same layer.
  const denseLayers = countLayers(arch, (b) => b.ffn === 'dense') + (arch.moe?.besideDenseMlp ? moeLayers : 0);
  const attentionLayers = countLayers(arch, (b) => b.mixer === 'attention');
  const linearLayers = countLayers(arch, (b) => b.mixer === 'linear');
  const attention = attentionParams(arch);
  // Full-attention layers of a model whose sliding and full layers differ (Gemma 4) get their own count.
  const sliding = new Set(arch.slidingWindow?.indices ?? []);
  const fullAttentionLayers = arch.attention.kind === 'gqa' && arch.attention.global ? attentionLayerIndices(arch).filter((i) => !sliding.has(i)).length : 0;
  const attentionTotal = (attentionLayers - fullAttentionLayers) * attention + fullAttentionLayers * attentionParams(arch, true);
  const indexerLayers = ownIndexerLayers(arch).length;
  const indexers = indexerLayers * indexerParamsPerLayer(arch);
  const linear = linearLayerParams(arch);
  const moeLayer = arch.moe ? moeLayerParams(h, arch.moe, arch.gatedMlp) : { routed: 0, shared: 0, router: 0 };
  const layerNorms = arch.normsPerLayer * h;

  const groups: ParamGroups = {
    embeddings: arch.vocabSize * h,
    lmHead: arch.tiedEmbeddings ? 0 : arch.vocabSize * h,
    // Linear-attention mixers are attention-like token mixers: quantizers treat them as attention.
    attention: attentionTotal + linearLayers * linear + indexers,
    mlp: denseLayers * gatedMlpParams(h, arch.denseIntermediateSize, arch.gatedMlp),
    sharedExperts: moeLayers * moeLayer.shared,
    routedExperts: moeLayers * moeLayer.routed,
    router: moeLayers * moeLayer.router,
    norms: arch.layers * (layerNorms + arch.layerScalars) + h,
    vision: arch.visionParams,
  };
  const total = Object.values(groups).reduce((sum, n) => sum + n, 0);
  const inactiveShare = arch.moe ? 1 - arch.moe.expertsPerToken / arch.moe.routedExperts : 0;
  const embeddingLookup = arch.tiedEmbeddings ? 0 : groups.embeddings;
  const active = total - groups.routedExperts * inactiveShare - embeddingLookup;

  // modeling_deepseek.py / DeepSeek's inference code: each MTP module is one MoE decoder layer
  // plus enorm, hnorm, eh_proj (2h → h) and shared_head.norm; the checkpoint also stores
  // its own copies of embed_tokens and shared_head.head.
  // Qwen3-Next's MTP module shares the model's embedding and head instead.
  const mtpFfn = arch.moe ? moeLayer.routed + moeLayer.shared + moeLayer.router : gatedMlpParams(h, arch.denseIntermediateSize, arch.gatedMlp);
  // The MTP layer runs its own indexer, unless the model shares indexers (GLM-5.2: index_share_for_mtp_iteration).
  const mtpIndexer = arch.indexer && !arch.indexer.layers ? indexerParamsPerLayer(arch) : 0;
  const mtpLayer = attention + mtpIndexer + layerNorms + mtpFfn + 3 * h + 2 * h * h + (arch.mtpOwnEmbeddings ? 2 * arch.vocabSize * h : 0);
  const mtp = arch.mtpLayers * mtpLayer;
  const up = arch.gatedMlp ? 3 : 2;

  const parts = [
    `embeddings ${arch.vocabSize}×${h}`,
    arch.tiedEmbeddings ? 'lm_head tied' : `lm_head ${arch.vocabSize}×${h}`,
    `${attentionLayers} attention layers × ${attention}`,
    indexerLayers > 0 ? `${indexerLayers} indexers × ${indexerParamsPerLayer(arch)}` : '',
    linearLayers > 0 ? `${linearLayers} ${arch.linearMixer?.kind} layers × ${linear}` : '',
    denseLayers > 0 ? `${denseLayers} dense MLP × ${up}×${h}×${arch.denseIntermediateSize}` : '',
    arch.moe
      ? `${moeLayers} MoE layers × (${arch.moe.routedExperts} experts × ${up}×${h}×${arch.moe.expertIntermediateSize}` +
        (moeLayer.shared ? ` + shared ${up}×${h}×${arch.moe.sharedExpertIntermediateSize}` : '') +
        ` + router ${moeLayer.router})`
      : '',
    `norms ${groups.norms}`,
    arch.visionParams ? `vision encoder + projector ${arch.visionParams}` : '',
  ].filter(Boolean);
  return { groups, total, active, mtp, formula: parts.join(' + ') };
}

/**
 * A generic reading of an unknown model_type checked against the checkpoint's own count (the
 * safetensors headers of an `hf:` repo): the weights are the checkpoint's bytes either way, so a
 * difference says the assumed layers are off, and with them possibly the KV cache. Null when
 * nothing was assumed or no count is known.
 */
export function genericCountCheck(arch: Architecture, checkpointParams: number | null): string | null {
  if (arch.assumptions.length === 0 || !checkpointParams) return null;
  const p = countParams(arch);
  const counted = p.total + p.mtp;
  const off = counted / checkpointParams - 1;
  const sizes = `the config counts ${counted.toLocaleString('en-US')} parameters, the checkpoint ${checkpointParams.toLocaleString('en-US')}`;
  return Math.abs(off) <= 0.01
    ? `Checked: ${sizes} (${(off * 100).toFixed(2)}%).`
    : `Warning: ${sizes} (${off > 0 ? '+' : ''}${(off * 100).toFixed(1)}%): the layers were not read right; the weights follow the checkpoint's size, the KV cache the assumptions above.`;
}
