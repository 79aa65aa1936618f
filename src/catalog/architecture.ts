import { ownEntry } from '../util/own.js';
import { z } from 'zod';
import type { HfConfig } from './schema.js';
import { UserError } from '../util/errors.js';
import { parseWith } from './validate.js';
import type { LayerBlock, LayerFfn, LayerMixer } from './layers.js';

const positiveInt = z.number().int().positive();

export const GqaAttentionSchema = z.object({
  kind: z.literal('gqa'),
  heads: positiveInt,
  kvHeads: positiveInt,
  headDim: positiveInt,
  /** Qwen2 carries biases on q, k and v projections. */
  qkvBias: z.boolean(),
  /** Llama's attention_bias adds biases to q, k, v and o. */
  outputBias: z.boolean(),
  /** Qwen3 normalises q and k per head (two RMSNorm vectors of head_dim). */
  qkNorm: z.boolean(),
  /** gpt-oss: a learned attention-sink logit per head (self_attn.sinks); weights, no KV. */
  sinks: z.boolean().default(false),
  /** Qwen3-Next / Qwen3.5 gated attention: q_proj also yields a per-head output gate (2 × heads × head_dim outputs). */
  outputGate: z.boolean().default(false),
  /** What q_norm/k_norm normalise: each head (`head`, head_dim weights) or all heads at once (`all`, MiniMax-M2: heads × head_dim). */
  qkNormScope: z.enum(['head', 'all']).default('head'),
  /**
   * Gemma 4: the full-attention (non-sliding) layers' own KV heads and head size, and whether K
   * stands in for V there (attention_k_eq_v: no v_proj; vLLM still caches both). Null: every
   * layer has the dims above.
   */
  global: z.object({ kvHeads: positiveInt, headDim: positiveInt, valueFromKey: z.boolean() }).nullable().default(null),
});

export const MlaAttentionSchema = z.object({
  kind: z.literal('mla'),
  heads: positiveInt,
  qLoraRank: positiveInt.nullable(),
  kvLoraRank: positiveInt,
  qkNopeHeadDim: positiveInt,
  qkRopeHeadDim: positiveInt,
  vHeadDim: positiveInt,
});

/**
 * DeepSeek Sparse Attention's lightning indexer (DeepSeek-V3.2, GLM-5): per layer a small
 * multi-head scorer whose keys are cached per token beside the MLA latent.
 */
export const IndexerSchema = z.object({
  heads: positiveInt,
  headDim: positiveInt,
  /** Tokens each query attends to (index_topk). */
  topk: positiveInt,
  /** Layers that run their own indexer (GLM-5.2 `indexer_types` "full"; the "shared" ones reuse its selection); null: every layer. */
  layers: z.array(z.number().int().nonnegative()).nullable().default(null),
});

/**
 * The linear-attention or state-space mixer of a hybrid model's non-attention layers. Each
 * keeps a fixed state per sequence (a short-convolution window and a recurrent state) instead
 * of a KV cache that grows with tokens.
 * - `gated-deltanet`: Qwen3-Next / Qwen3.5 Gated DeltaNet (keys and values have their own head counts).
 * - `kimi-delta`: Kimi Delta Attention (Kimi Linear): q, k and v each with a short convolution.
 * - `mamba2`: Mamba-2 (Nemotron-H): heads × head_dim inner channels, B and C of `groups` × state.
 */
export const LinearMixerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('gated-deltanet'), keyHeads: positiveInt, valueHeads: positiveInt, keyHeadDim: positiveInt, valueHeadDim: positiveInt, convKernel: positiveInt }),
  z.object({ kind: z.literal('kimi-delta'), heads: positiveInt, headDim: positiveInt, convKernel: positiveInt }),
  z.object({
    kind: z.literal('mamba2'),
    heads: positiveInt,
    headDim: positiveInt,
    stateSize: positiveInt,
    groups: positiveInt,
    convKernel: positiveInt,
    convBias: z.boolean(),
    projectionBias: z.boolean(),
  }),
]);

export const MoeSchema = z.object({
  routedExperts: positiveInt,
  sharedExperts: z.number().int().nonnegative(),
  expertsPerToken: positiveInt,
  expertIntermediateSize: positiveInt,
  sharedExpertIntermediateSize: z.number().int().nonnegative(),
  /** Number of decoder layers whose MLP is a mixture of experts (the rest are dense). */
  moeLayers: z.number().int().nonnegative(),
  /** DeepSeek-V3's noaux_tc router keeps a per-expert score-correction bias. */
  routerBias: z.boolean(),
  /** Qwen2-MoE gates its shared expert with a hidden_size × 1 projection. */
  sharedExpertGate: z.boolean(),
  /** gpt-oss experts carry biases on gate_up (2 × intermediate) and down (hidden). */
  expertBias: z.boolean().default(false),
  /** Gemma 4: the experts run beside the layer's dense MLP, not instead of it. */
  besideDenseMlp: z.boolean().default(false),
  /** Router parameters per MoE layer beyond the E × hidden projection and its bias (Gemma 4: a scale of hidden, one per expert, and 3 norms). */
  routerExtraParams: z.number().int().nonnegative().default(0),
});

export const ArchitectureSchema = z.object({
  modelType: z.string(),
  vocabSize: positiveInt,
  hiddenSize: positiveInt,
  layers: positiveInt,
  attention: z.discriminatedUnion('kind', [GqaAttentionSchema, MlaAttentionSchema]),
  denseIntermediateSize: positiveInt,
  moe: MoeSchema.nullable(),
  tiedEmbeddings: z.boolean(),
  maxContext: positiveInt,
  /** DeepSeek-V3 multi-token-prediction layers, stored in the checkpoint, skipped when serving. */
  mtpLayers: z.number().int().nonnegative(),
  /** RMSNorm vectors per decoder layer: 2 (Llama), 4 (Gemma 3: pre/post attention and feed-forward). */
  normsPerLayer: z.number().int().positive().default(2),
  /** Vision encoder + projector parameters of a multimodal checkpoint (0 for text-only models). */
  visionParams: z.number().int().nonnegative().default(0),
  /**
   * Layers that attend over a sliding window only: the window, how many, and which
   * (0-based, in model order — pipeline stages take contiguous layers, so which stage
   * holds the full-attention layers decides the fullest stage's KV).
   */
  slidingWindow: z.object({ window: positiveInt, layers: z.number().int().nonnegative(), indices: z.array(z.number().int().nonnegative()) }).nullable(),
  /** Bits of the stored (unquantized) weights: 16 for bf16/fp16, 32 for fp32. */
  storedBits: z.number().positive(),
  /**
   * Each layer's token mixer in model order, for hybrids: `attention` (a KV cache that grows
   * with tokens), `linear` (`linearMixer`: a fixed state per sequence), `none` (Nemotron-H's
   * MLP-only blocks). Null: every layer is attention.
   */
  layerMixers: z
    .array(z.enum(['attention', 'linear', 'none']))
    .nullable()
    .default(null),
  /**
   * Each layer's feed-forward block in model order: `dense`, `moe` or `none` (Nemotron-H's
   * mixer-only blocks). Null: the first `layers − moe.moeLayers` are dense, the rest MoE.
   */
  layerFfns: z
    .array(z.enum(['dense', 'moe', 'none']))
    .nullable()
    .default(null),
  linearMixer: LinearMixerSchema.nullable().default(null),
  indexer: IndexerSchema.nullable().default(null),
  /** SwiGLU-style gate, up and down (true) or up and down only (Nemotron-H's squared-ReLU MLPs and experts). */
  gatedMlp: z.boolean().default(true),
  /** Whether each MTP module stores its own embedding and output head (DeepSeek-V3) or shares the model's (Qwen3-Next). */
  mtpOwnEmbeddings: z.boolean().default(true),
  /** The config's architectures[0] class name, which vLLM and SGLang match a model on (null when absent). */
  hfArchitecture: z.string().nullable().default(null),
  /** The dtype the model's authors keep the recurrent state in (Qwen3.5 mamba_ssm_dtype); null: the engine's default. */
  recurrentStateDtype: z.enum(['float32', 'bfloat16', 'float16']).nullable().default(null),
  /** Single parameters per layer beside the norms (Gemma 4's layer_scalar, a persistent buffer). */
  layerScalars: z.number().int().nonnegative().default(0),
  /** What a generic reading of an unknown model_type assumed, said with every estimate and plan of it. */
  assumptions: z.array(z.string()).default([]),
});
export type Architecture = z.infer<typeof ArchitectureSchema>;
export type GqaAttention = z.infer<typeof GqaAttentionSchema>;
export type MlaAttention = z.infer<typeof MlaAttentionSchema>;
export type Moe = z.infer<typeof MoeSchema>;
export type LinearMixer = z.infer<typeof LinearMixerSchema>;
export type Indexer = z.infer<typeof IndexerSchema>;
export type { LayerBlock, LayerFfn, LayerMixer } from './layers.js';

/** transformers model_type values gpuplan knows how to count, each read by its own rules below. */
export const SUPPORTED_MODEL_TYPES = [
  'llama',
  'mistral',
  'qwen2',
  'qwen3',
  'mixtral',
  'qwen2_moe',
  'qwen3_moe',
  'deepseek_v2',
  'deepseek_v3',
  'deepseek_v32',
  'gpt_oss',
  'gemma3_text',
  'gemma4_text',
  'qwen3_next',
  'qwen3_5_text',
  'qwen3_5_moe_text',
  'glm4_moe',
  'glm_moe_dsa',
  'minimax_m2',
  'kimi_linear',
  'nemotron_h',
] as const;
type SupportedModelType = (typeof SUPPORTED_MODEL_TYPES)[number];

/** DeepSeek-style expert fields (n_routed_experts, n_shared_experts, first_k_dense_replace, moe_layer_freq). */
const DEEPSEEK_MOE_TYPES: readonly string[] = ['deepseek_v2', 'deepseek_v3', 'deepseek_v32', 'glm4_moe', 'glm_moe_dsa', 'kimi_linear'];
/** Multi-head latent attention (DeepSeek-V2's MLA): one latent per token cached. */
const MLA_TYPES: readonly string[] = ['deepseek_v2', 'deepseek_v3', 'deepseek_v32', 'glm_moe_dsa', 'kimi_linear'];
/** Qwen-style experts (num_experts, shared_expert_intermediate_size with a sigmoid gate, mlp_only_layers). */
const QWEN_MOE_TYPES: readonly string[] = ['qwen2_moe', 'qwen3_moe', 'qwen3_next', 'qwen3_5_moe_text'];
/** Gated DeltaNet hybrids (Qwen3-Next, Qwen3.5): three linear-attention layers to one gated full-attention layer. */
const GATED_DELTANET_TYPES: readonly string[] = ['qwen3_next', 'qwen3_5_text', 'qwen3_5_moe_text'];
/** q_norm/k_norm per head (Qwen3 and its successors, Gemma 3). */
const QK_NORM_TYPES: readonly string[] = ['qwen3', 'qwen3_moe', 'gemma3_text', 'gemma4_text', 'qwen3_next', 'qwen3_5_text', 'qwen3_5_moe_text'];

const DTYPE_BITS: Record<string, number> = { bfloat16: 16, float16: 16, float32: 32 };

function requireField<T>(value: T | null | undefined, field: string, where: string): T {
  if (value === undefined || value === null) {
    throw new UserError(`${where}: config field "${field}" is required for this architecture but missing`);
  }
  return value;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Which layers hold experts, by each family's rule (null when the family says per layer, as GLM-5.2 and Nemotron-H do). */
function isMoeLayer(config: HfConfig, i: number): boolean {
  const type = config.model_type;
  if (config.mlp_layer_types) return config.mlp_layer_types[i] === 'sparse';
  if (DEEPSEEK_MOE_TYPES.includes(type) || type === 'deepseek') {
    // modeling_deepseek.py: MoE when layer_idx >= first_k_dense_replace and layer_idx % moe_layer_freq == 0
    const firstDense = config.first_k_dense_replace ?? 0;
    const freq = config.moe_layer_freq ?? 1;
    return i >= firstDense && i % freq === 0;
  }
  if (type === 'mixtral' || type === 'gpt_oss' || type === 'minimax_m2') return true;
  // modeling_qwen2_moe.py / qwen3_moe / qwen3_next: (layer_idx not in mlp_only_layers) and (layer_idx + 1) % decoder_sparse_step == 0
  const step = config.decoder_sparse_step ?? 1;
  return !(config.mlp_only_layers ?? []).includes(i) && (i + 1) % step === 0;
}

function countMoeLayers(config: HfConfig): number {
  return range(config.num_hidden_layers).filter((i) => isMoeLayer(config, i)).length;
}

/** Nemotron-H's hybrid_override_pattern, one block per character (configuration_nemotron_h.py). */
const NEMOTRON_BLOCKS: Readonly<Record<string, LayerBlock>> = {
  M: { mixer: 'linear', ffn: 'none' },
  '*': { mixer: 'attention', ffn: 'none' },
  '-': { mixer: 'none', ffn: 'dense' },
  E: { mixer: 'none', ffn: 'moe' },
};

function nemotronBlocks(config: HfConfig, where: string): LayerBlock[] {
  const pattern = requireField(config.hybrid_override_pattern, 'hybrid_override_pattern', where);
  if (pattern.length !== config.num_hidden_layers) {
    throw new UserError(`${where}: hybrid_override_pattern has ${pattern.length} blocks but num_hidden_layers is ${config.num_hidden_layers}`);
  }
  return [...pattern].map((c) => {
    const block = ownEntry(NEMOTRON_BLOCKS, c);
    if (!block) throw new UserError(`${where}: hybrid_override_pattern block "${c}" is not one of M (Mamba-2), * (attention), - (MLP), E (MoE)`);
    return block;
  });
}

function moeFromConfig(config: HfConfig, where: string): z.input<typeof MoeSchema> | null {
  const type = config.model_type;
  if (type === 'mixtral' || type === 'gpt_oss' || type === 'minimax_m2') {
    // num_local_experts of intermediate_size in every layer, no shared expert. gpt-oss
    // (modeling_gpt_oss.py GptOssMLP) biases its router and the experts' gate_up (2 × I) and down projections.
    // MiniMax-M2 keeps a per-expert score-correction bias (use_routing_bias, vLLM minimax_m2.py e_score_correction_bias).
    const biased = type === 'gpt_oss';
    return {
      routedExperts: requireField(config.num_local_experts, 'num_local_experts', where),
      sharedExperts: 0,
      expertsPerToken: requireField(config.num_experts_per_tok, 'num_experts_per_tok', where),
      expertIntermediateSize: requireField(config.intermediate_size, 'intermediate_size', where),
      sharedExpertIntermediateSize: 0,
      moeLayers: countMoeLayers(config),
      routerBias: biased || config.use_routing_bias === true,
      sharedExpertGate: false,
      expertBias: biased,
    };
  }
  if (QWEN_MOE_TYPES.includes(type)) {
    const sharedSize = config.shared_expert_intermediate_size ?? 0;
    return {
      routedExperts: requireField(config.num_experts, 'num_experts', where),
      sharedExperts: sharedSize > 0 ? 1 : 0,
      expertsPerToken: requireField(config.num_experts_per_tok, 'num_experts_per_tok', where),
      expertIntermediateSize: requireField(config.moe_intermediate_size, 'moe_intermediate_size', where),
      sharedExpertIntermediateSize: sharedSize,
      moeLayers: countMoeLayers(config),
      routerBias: false,
      sharedExpertGate: sharedSize > 0,
      expertBias: false,
    };
  }
  if (type === 'gemma4_text') {
    if (!config.enable_moe_block) return null;
    // modeling_gemma4.py: Gemma4TextExperts (gate_up [E, 2 × moe_intermediate, H], down) beside the dense MLP;
    // Gemma4TextRouter proj (H → E), scale (H), per_expert_scale (E); three more norms per layer.
    const experts = requireField(config.num_experts, 'num_experts', where);
    return {
      routedExperts: experts,
      sharedExperts: 0,
      expertsPerToken: requireField(config.top_k_experts ?? config.num_experts_per_tok, 'top_k_experts', where),
      expertIntermediateSize: requireField(config.moe_intermediate_size, 'moe_intermediate_size', where),
      sharedExpertIntermediateSize: 0,
      moeLayers: config.num_hidden_layers,
      routerBias: false,
      sharedExpertGate: false,
      expertBias: false,
      besideDenseMlp: true,
      routerExtraParams: config.hidden_size + experts + 3 * config.hidden_size,
    };
  }
  if (type === 'kimi_linear') {
    // modeling_kimi.py KimiSparseMoeBlock: num_experts of moe_intermediate_size, num_shared_experts fused into one MLP,
    // a sigmoid router with e_score_correction_bias.
    const expertSize = requireField(config.moe_intermediate_size, 'moe_intermediate_size', where);
    const shared = config.num_shared_experts ?? 0;
    return {
      routedExperts: requireField(config.num_experts, 'num_experts', where),
      sharedExperts: shared,
      expertsPerToken: requireField(config.num_experts_per_token ?? config.num_experts_per_tok, 'num_experts_per_token', where),
      expertIntermediateSize: expertSize,
      sharedExpertIntermediateSize: expertSize * shared,
      moeLayers: countMoeLayers(config),
      routerBias: true,
      sharedExpertGate: false,
      expertBias: false,
    };
  }
  if (type === 'nemotron_h') {
    if (!config.hybrid_override_pattern?.includes('E')) return null;
    if ((config as { moe_latent_size?: unknown }).moe_latent_size) {
      throw new UserError(`${where}: moe_latent_size (Nemotron 3 Super/Ultra experts that run in a latent space) is not modelled by gpuplan yet; Nemotron-H and Nemotron 3 Nano are`);
    }
    const shared = config.n_shared_experts ?? 0;
    return {
      routedExperts: requireField(config.n_routed_experts, 'n_routed_experts', where),
      sharedExperts: shared,
      expertsPerToken: requireField(config.num_experts_per_tok, 'num_experts_per_tok', where),
      expertIntermediateSize: requireField(config.moe_intermediate_size, 'moe_intermediate_size', where),
      // vLLM nemotron_h.py: shared_experts = NemotronHMLP(moe_shared_expert_intermediate_size × n_shared_experts).
      sharedExpertIntermediateSize: shared > 0 ? requireField(config.moe_shared_expert_intermediate_size, 'moe_shared_expert_intermediate_size', where) * shared : 0,
      moeLayers: [...config.hybrid_override_pattern].filter((c) => c === 'E').length,
      routerBias: true,
      sharedExpertGate: false,
      expertBias: false,
    };
  }
  if (DEEPSEEK_MOE_TYPES.includes(type)) {
    if (!config.n_routed_experts) return null;
    const expertSize = requireField(config.moe_intermediate_size, 'moe_intermediate_size', where);
    const shared = config.n_shared_experts ?? 0;
    return {
      routedExperts: config.n_routed_experts,
      sharedExperts: shared,
      expertsPerToken: requireField(config.num_experts_per_tok, 'num_experts_per_tok', where),
      expertIntermediateSize: expertSize,
      // DeepseekV2MoE builds the shared experts as one MLP of moe_intermediate_size × n_shared_experts.
      sharedExpertIntermediateSize: expertSize * shared,
      moeLayers: countMoeLayers(config),
      // GLM-4.5 (Glm4MoeTopkRouter) always keeps e_score_correction_bias; DeepSeek only with noaux_tc.
      routerBias: config.topk_method === 'noaux_tc' || type === 'glm4_moe',
      sharedExpertGate: false,
      expertBias: false,
    };
  }
  return null;
}

function attentionFromConfig(config: HfConfig, where: string): Architecture['attention'] {
  const heads = config.num_attention_heads;
  if (MLA_TYPES.includes(config.model_type)) {
    return {
      kind: 'mla',
      heads,
      qLoraRank: config.q_lora_rank ?? null,
      kvLoraRank: requireField(config.kv_lora_rank, 'kv_lora_rank', where),
      qkNopeHeadDim: requireField(config.qk_nope_head_dim, 'qk_nope_head_dim', where),
      qkRopeHeadDim: requireField(config.qk_rope_head_dim, 'qk_rope_head_dim', where),
      vHeadDim: requireField(config.v_head_dim, 'v_head_dim', where),
    };
  }
  // Nemotron-H-56B names it attention_head_dim.
  const headDim = config.head_dim ?? config.attention_head_dim ?? config.hidden_size / heads;
  if (!Number.isInteger(headDim)) {
    throw new UserError(`${where}: hidden_size ${config.hidden_size} is not divisible by num_attention_heads ${heads}; set head_dim`);
  }
  const kvHeads = config.num_key_value_heads ?? heads;
  // Grouped-query attention shares each KV head among heads / kv_heads query heads (transformers repeat_kv); engines refuse anything else.
  if (heads % kvHeads !== 0) throw new UserError(`${where}: num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kvHeads}`);
  const type = config.model_type;
  const qwen2Family = type === 'qwen2' || type === 'qwen2_moe';
  // GLM-4.5 (modeling_glm4_moe.py): attention_bias puts biases on q, k and v only; o_proj has none.
  const glm = type === 'glm4_moe';
  return {
    kind: 'gqa',
    heads,
    kvHeads,
    headDim,
    qkvBias: qwen2Family || config.attention_bias === true,
    outputBias: config.attention_bias === true && !glm,
    qkNorm: QK_NORM_TYPES.includes(type) || type === 'minimax_m2' || (glm && config.use_qk_norm === true),
    sinks: type === 'gpt_oss',
    // Qwen3-Next always gates its attention output; Qwen3.5 says so in attn_output_gate.
    outputGate: type === 'qwen3_next' || (GATED_DELTANET_TYPES.includes(type) && config.attn_output_gate !== false),
    // MiniMax-M2 (vLLM minimax_m2.py): q_norm over heads × head_dim, k_norm over kv_heads × head_dim.
    qkNormScope: type === 'minimax_m2' ? 'all' : 'head',
    // Gemma 4 (modeling_gemma4.py Gemma4TextAttention): full layers use global_head_dim and num_global_key_value_heads,
    // and with attention_k_eq_v no v_proj.
    global:
      type === 'gemma4_text' && (config.global_head_dim || config.num_global_key_value_heads)
        ? { kvHeads: config.num_global_key_value_heads ?? kvHeads, headDim: config.global_head_dim ?? headDim, valueFromKey: config.attention_k_eq_v === true }
        : null,
  };
}

interface Hybrid {
  layerMixers: LayerMixer[];
  layerFfns: LayerFfn[] | null;
  linearMixer: LinearMixer;
}

/** The linear-attention / state-space layers of a hybrid model, by its family's config fields. */
function hybridFromConfig(config: HfConfig, where: string): Hybrid | null {
  const type = config.model_type;
  const n = config.num_hidden_layers;
  if (GATED_DELTANET_TYPES.includes(type)) {
    // layer_types when given; else every full_attention_interval-th layer is full attention (configuration_qwen3_next.py).
    const interval = config.full_attention_interval ?? 4;
    const types = config.layer_types;
    const isLinear = (i: number) => (types ? types[i] === 'linear_attention' : (i + 1) % interval !== 0);
    return {
      layerMixers: range(n).map((i) => (isLinear(i) ? 'linear' : 'attention')),
      layerFfns: null,
      linearMixer: {
        kind: 'gated-deltanet',
        keyHeads: requireField(config.linear_num_key_heads, 'linear_num_key_heads', where),
        valueHeads: requireField(config.linear_num_value_heads, 'linear_num_value_heads', where),
        keyHeadDim: requireField(config.linear_key_head_dim, 'linear_key_head_dim', where),
        valueHeadDim: requireField(config.linear_value_head_dim, 'linear_value_head_dim', where),
        convKernel: requireField(config.linear_conv_kernel_dim, 'linear_conv_kernel_dim', where),
      },
    };
  }
  if (type === 'kimi_linear') {
    const linear = requireField(config.linear_attn_config, 'linear_attn_config', where);
    // kda_layers and full_attn_layers count from 1 (modeling_kimi.py is_kda_layer: layer_idx + 1 in kda_layers).
    const kda = new Set(linear.kda_layers);
    return {
      layerMixers: range(n).map((i) => (kda.has(i + 1) ? 'linear' : 'attention')),
      layerFfns: null,
      linearMixer: { kind: 'kimi-delta', heads: linear.num_heads, headDim: linear.head_dim, convKernel: linear.short_conv_kernel_size },
    };
  }
  if (type === 'nemotron_h') {
    const blocks = nemotronBlocks(config, where);
    return {
      layerMixers: blocks.map((b) => b.mixer),
      layerFfns: blocks.map((b) => b.ffn),
      linearMixer: {
        kind: 'mamba2',
        heads: requireField(config.mamba_num_heads, 'mamba_num_heads', where),
        headDim: requireField(config.mamba_head_dim, 'mamba_head_dim', where),
        stateSize: requireField(config.ssm_state_size, 'ssm_state_size', where),
        groups: requireField(config.n_groups, 'n_groups', where),
        convKernel: requireField(config.conv_kernel, 'conv_kernel', where),
        convBias: config.use_conv_bias ?? true,
        projectionBias: config.use_bias ?? false,
      },
    };
  }
  return null;
}

const STATE_DTYPES = ['float32', 'bfloat16', 'float16'] as const;

/**
 * The recurrent-state dtype the model asks for: Qwen3.5's mamba_ssm_dtype, Nemotron 3's
 * mamba_ssm_cache_dtype; Nemotron-H otherwise float32, vLLM's default for it since PR #39032
 * (2026-04-05, "float16 to float32").
 */
function recurrentStateDtypeOf(config: HfConfig): Architecture['recurrentStateDtype'] {
  const asked = config.mamba_ssm_dtype ?? config.mamba_ssm_cache_dtype;
  const known = STATE_DTYPES.find((d) => d === asked);
  return known ?? (config.model_type === 'nemotron_h' ? 'float32' : null);
}

/** DeepSeek-V3.2 and GLM-5's lightning indexer, when the config has one. */
function indexerFromConfig(config: HfConfig): Architecture['indexer'] {
  if (!config.index_n_heads || !config.index_head_dim || !config.index_topk || !MLA_TYPES.includes(config.model_type)) return null;
  const types = config.indexer_types;
  return {
    heads: config.index_n_heads,
    headDim: config.index_head_dim,
    topk: config.index_topk,
    layers: types ? range(config.num_hidden_layers).filter((i) => types[i] !== 'shared') : null,
  };
}

function slidingWindowFromConfig(config: HfConfig, file: string): Architecture['slidingWindow'] {
  const window = config.sliding_window;
  if (!window || window >= config.max_position_embeddings) return null;
  const n = config.num_hidden_layers;
  const of = (indices: number[]) => (indices.length > 0 ? { window, layers: indices.length, indices } : null);
  const where = (test: (i: number) => boolean) => of(range(n).filter(test));
  // Hybrid models (gpt-oss, Gemma 3) list each layer's attention: only sliding_attention layers are windowed.
  const types = config.layer_types;
  if (types) return where((i) => types[i] === 'sliding_attention');
  if (config.model_type === 'gemma3_text' || config.model_type === 'gemma4_text') {
    // Gemma3TextConfig without layer_types: every sliding_window_pattern-th layer (default 6) is global.
    const given = (config as { sliding_window_pattern?: unknown }).sliding_window_pattern ?? 6;
    if (!Number.isSafeInteger(given) || (given as number) < 1) throw new UserError(`${file}: sliding_window_pattern must be a whole number ≥ 1, got ${JSON.stringify(given)}`);
    const pattern = given as number;
    return where((i) => (i + 1) % pattern !== 0);
  }
  if (config.model_type === 'mistral' || config.model_type === 'mixtral') return where(() => true);
  if (config.model_type.startsWith('qwen') && config.use_sliding_window === true) {
    // Qwen2 applies the window to layers from max_window_layers upward.
    const full = Math.min(config.max_window_layers ?? n, n);
    return where((i) => i >= full);
  }
  return null;
}

/** Turns a Hugging Face config.json into the architecture gpuplan counts with. */
/**
 * model_types whose parameters and KV cache are counted exactly as another's:
 * Phi-3/Phi-4 (modeling_phi3.py fuses qkv_proj and gate_up_proj, the same shapes as
 * Llama's, no biases) and Kimi-K2 (the DeepseekV3 architecture, MLA and experts).
 */
export const MODEL_TYPE_ALIASES: Readonly<Record<string, (typeof SUPPORTED_MODEL_TYPES)[number]>> = { phi3: 'llama', kimi_k2: 'deepseek_v3' };

/**
 * Pixtral vision tower + Mistral 3 projector (modeling_pixtral.py, modeling_mistral3.py):
 * a bias-free patch conv, ln_pre, per layer bias-free q/k/v/o, two RMSNorms and a gated
 * MLP; the projector's RMSNorm, the 2×2 patch merger (4h → h) and two bias-free linears.
 */
type VisionConfig = NonNullable<HfConfig['vision_config']>;

function visionDepth(vision: VisionConfig): number {
  const depth = vision.num_hidden_layers ?? vision.depth;
  if (depth === undefined) throw new UserError(`vision_config: num_hidden_layers (or depth) is required to count the vision encoder`);
  return depth;
}

/**
 * Qwen3-VL-style vision tower (Qwen3.5; transformers modeling_qwen3_vl.py Qwen3VLVisionModel): a
 * biased Conv3d patch embedding over temporal_patch_size × patch_size², learned position
 * embeddings, per block two LayerNorms (weight + bias), a biased qkv and proj, a biased fc1/fc2
 * MLP; the patch merger (LayerNorm of hidden, fc1 of hidden × merge² square, fc2 to the text
 * width, both biased) and one more merger per deepstack layer (its LayerNorm after the shuffle).
 */
function qwenVisionParams(vision: VisionConfig, textHidden: number): number {
  const h = vision.hidden_size;
  const i = vision.intermediate_size;
  const channels = vision.in_channels ?? vision.num_channels ?? 3;
  const patch = channels * (vision.temporal_patch_size ?? 2) * vision.patch_size ** 2 * h + h;
  const positions = (vision.num_position_embeddings ?? 0) * h;
  const block = 4 * h * h + 2 * h * i + 9 * h + i;
  const merged = h * (vision.spatial_merge_size ?? 2) ** 2;
  const out = vision.out_hidden_size ?? textHidden;
  const mergerBody = merged * merged + merged + merged * out + out;
  const deepstack = (vision.deepstack_visual_indexes ?? []).length * (2 * merged + mergerBody);
  return patch + positions + visionDepth(vision) * block + 2 * h + mergerBody + deepstack;
}

function pixtralParams(vision: VisionConfig, textHidden: number, mergeSize: number): number {
  const h = vision.hidden_size;
  const i = vision.intermediate_size;
  const patch = (vision.num_channels ?? 3) * vision.patch_size ** 2 * h;
  const layer = 4 * h * h + 2 * h + 3 * h * i;
  const projector = h + mergeSize ** 2 * h * h + h * textHidden + textHidden * textHidden;
  return patch + h + visionDepth(vision) * layer + projector;
}

/**
 * SigLIP vision tower + Gemma 3 projector parameters (modeling_siglip.py, modeling_gemma3.py
 * Gemma3MultiModalProjector): patch conv with bias, position embeddings per patch, per layer
 * q/k/v/o with biases, two LayerNorms (weight + bias) and a biased fc1/fc2 MLP, the post
 * LayerNorm; then the projection to the text hidden size and its RMSNorm.
 */
/**
 * Gemma 4's vision tower (modeling_gemma4.py): a bias-free patch projection (3 × patch² → hidden),
 * a 2 × position_embedding_size × hidden position table, per layer q/k/v/o with per-head q/k norms,
 * a gated MLP and four norms; std_bias/std_scale when it standardizes; the projection to the text width.
 */
function gemma4VisionParams(vision: VisionConfig, textHidden: number): number {
  const h = vision.hidden_size;
  const heads = vision.num_attention_heads ?? 1;
  const kvHeads = vision.num_key_value_heads ?? heads;
  const headDim = vision.head_dim ?? h / heads;
  const patch = 3 * vision.patch_size ** 2 * h + 2 * (vision.position_embedding_size ?? 0) * h;
  const layer = h * heads * headDim + 2 * h * kvHeads * headDim + heads * headDim * h + 2 * headDim + 3 * h * vision.intermediate_size + 4 * h;
  return patch + visionDepth(vision) * layer + (vision.standardize ? 2 * h : 0) + h * textHidden;
}

export function visionParamsFromConfig(vision: VisionConfig, textHidden: number, mergeSize = 2): number {
  if (vision.model_type === 'pixtral') return pixtralParams(vision, textHidden, mergeSize);
  if (vision.model_type === 'gemma4_vision') return gemma4VisionParams(vision, textHidden);
  if (vision.depth !== undefined || vision.model_type?.startsWith('qwen')) return qwenVisionParams(vision, textHidden);
  const h = vision.hidden_size;
  const i = vision.intermediate_size;
  const channels = vision.num_channels ?? 3;
  if (vision.image_size === undefined) throw new UserError(`vision_config: image_size is required to count a SigLIP vision encoder`);
  const patches = (vision.image_size / vision.patch_size) ** 2;
  const embeddings = channels * vision.patch_size ** 2 * h + h + patches * h;
  const layer = 4 * h * h + 4 * h + 2 * 2 * h + h * i + i + i * h + h;
  const projector = h * textHidden + h;
  return embeddings + visionDepth(vision) * layer + 2 * h + projector;
}

export function architectureFromConfig(original: HfConfig, where: string): Architecture {
  const alias = ownEntry(MODEL_TYPE_ALIASES, original.model_type);
  const config = alias ? { ...original, model_type: alias } : original;
  if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(config.model_type)) return genericArchitecture(config, where);
  const type = config.model_type as SupportedModelType;
  if (type === 'gemma4_text' && (config.hidden_size_per_layer_input || config.num_kv_shared_layers)) {
    throw new UserError(
      `${where}: Gemma 4 with per-layer embeddings or KV-shared layers (E2B/E4B: hidden_size_per_layer_input, num_kv_shared_layers) is not modelled by gpuplan yet; the 26B-A4B and 31B models are`,
    );
  }
  const moe = moeFromConfig(config, where);
  const hybrid = hybridFromConfig(config, where);
  const denseIntermediateSize = config.intermediate_size ?? requireField(config.moe_intermediate_size, 'intermediate_size', where);
  const dtype = config.torch_dtype ?? config.dtype ?? 'bfloat16';
  // Qwen3.5 and Qwen3-Next count their MTP block in mtp_num_hidden_layers and share the model's embedding and head.
  const qwenMtp = GATED_DELTANET_TYPES.includes(type);
  // GLM-5.2 says which layers are MoE; Nemotron-H says it per block.
  const layerFfns = hybrid?.layerFfns ?? (config.mlp_layer_types ? range(config.num_hidden_layers).map((i) => (isMoeLayer(config, i) ? 'moe' : 'dense')) : null);
  // Derived sizes (head dims from a GGUF's key lengths) can still be nonsense: bad input, named.
  return parseWith(
    ArchitectureSchema,
    {
      modelType: config.model_type,
      vocabSize: config.vocab_size,
      hiddenSize: config.hidden_size,
      layers: config.num_hidden_layers,
      attention: attentionFromConfig(config, where),
      denseIntermediateSize,
      moe,
      tiedEmbeddings: config.tie_word_embeddings ?? false,
      maxContext: config.max_position_embeddings,
      // Qwen3-Next's config has no mtp_num_hidden_layers, yet its checkpoint stores one MTP layer (mtp.layers.0.*, counted in its 81,324,862,720 parameters).
      mtpLayers: qwenMtp ? (config.mtp_num_hidden_layers ?? (type === 'qwen3_next' ? 1 : 0)) : (config.num_nextn_predict_layers ?? 0),
      // GLM's MTP layer shares the model's embedding and head too (GLM-5.1: 753,864,139,008 parameters = 743,911,218,432 + an MTP layer of 9,952,920,576).
      mtpOwnEmbeddings: qwenMtp ? config.mtp_use_dedicated_embeddings === true : type !== 'glm_moe_dsa' && type !== 'glm4_moe',
      slidingWindow: slidingWindowFromConfig(config, where),
      // Gemma 3: pre/post attention and feed-forward norms; Nemotron-H: one norm per block.
      // Gemma 4 has Gemma 3's four and a layer_scalar.
      normsPerLayer: type === 'gemma3_text' || type === 'gemma4_text' ? 4 : type === 'nemotron_h' ? 1 : 2,
      layerScalars: type === 'gemma4_text' ? 1 : 0,
      visionParams: config.vision_config ? visionParamsFromConfig(config.vision_config, config.hidden_size, Number((config as { spatial_merge_size?: unknown }).spatial_merge_size ?? 2)) : 0,
      storedBits: ownEntry(DTYPE_BITS, dtype) ?? 16,
      layerMixers: hybrid?.layerMixers ?? null,
      layerFfns,
      linearMixer: hybrid?.linearMixer ?? null,
      indexer: indexerFromConfig(config),
      // Nemotron-H's MLPs and experts are squared-ReLU up/down projections (modeling_nemotron_h.py NemotronHMLP).
      gatedMlp: type !== 'nemotron_h',
      recurrentStateDtype: hybrid ? recurrentStateDtypeOf(config) : null,
      hfArchitecture: config.architectures?.[0] ?? null,
    },
    where,
  );
}

/**
 * Config fields that mean layers a plain decoder does not have (state-space, linear attention,
 * hybrid patterns, sparse-attention indexers): a generic reading would count them wrong, so
 * such a config is refused rather than guessed.
 */
const NON_STANDARD_FIELDS = [
  'hybrid_override_pattern',
  'ssm_state_size',
  'mamba_num_heads',
  'mamba_d_state',
  'linear_attn_config',
  'linear_num_value_heads',
  'index_n_heads',
  'attn_layer_indices',
  'attn_layer_period',
  'block_types',
  'compress_ratios',
  'hc_mult',
  'rwkv',
  'kv_lora_rank',
  // MiniMax-Text-01 / M1 (lightning attention), Jamba / Nemotron 3.5 (layers_block_type), Falcon-H1, Zamba
  'attn_type_list',
  'layers_block_type',
  'attn_layer_offset',
  'mamba_d_ssm',
  'ssm_cfg',
] as const;

/** Field-name prefixes of state-space and linear-attention layers, whatever the family calls them. */
const NON_STANDARD_PREFIXES = ['mamba_', 'ssm_', 'linear_attn', 'linear_num_', 'lightning_', 'rwkv_'] as const;

/**
 * An unknown model_type with the usual decoder fields, read as a Llama-style decoder (grouped-query
 * attention, SwiGLU MLP, two RMSNorms per layer) with experts where the usual expert fields say so.
 * Every assumption is recorded and said with each estimate and plan; a config with fields of a
 * non-standard layer is refused.
 */
function genericArchitecture(config: HfConfig, where: string): Architecture {
  const type = config.model_type;
  const supported = [...SUPPORTED_MODEL_TYPES, ...Object.keys(MODEL_TYPE_ALIASES)].join(', ');
  const raw = config as Record<string, unknown>;
  const unusual = [
    ...NON_STANDARD_FIELDS.filter((f) => raw[f] !== undefined && raw[f] !== null),
    ...Object.keys(raw).filter((k) => NON_STANDARD_PREFIXES.some((p) => k.startsWith(p)) && !(NON_STANDARD_FIELDS as readonly string[]).includes(k) && raw[k] !== null),
  ];
  const layerKinds = new Set(config.layer_types ?? []);
  const unknownKinds = [...layerKinds].filter((k) => k !== 'full_attention' && k !== 'sliding_attention');
  if (unusual.length > 0 || unknownKinds.length > 0) {
    const what = [...unusual.map((f) => `"${f}"`), ...unknownKinds.map((k) => `layer_types "${k}"`)].join(', ');
    throw new UserError(`${where}: model_type "${type}" is not supported, and its config has ${what}, layers a generic decoder reading would count wrong; supported: ${supported}`);
  }
  const assumptions: string[] = [];
  const experts = config.n_routed_experts ?? config.num_local_experts ?? config.num_experts ?? null;
  let moe: z.input<typeof MoeSchema> | null = null;
  if (experts) {
    const perToken = config.num_experts_per_tok ?? config.num_experts_per_token;
    if (!perToken) throw new UserError(`${where}: model_type "${type}" is not supported; read generically, its ${experts} experts need "num_experts_per_tok"`);
    const expertSize = config.moe_intermediate_size ?? config.intermediate_size;
    if (!expertSize) throw new UserError(`${where}: model_type "${type}" is not supported; read generically, its experts need "moe_intermediate_size" or "intermediate_size"`);
    const deepseekStyle = config.n_routed_experts !== undefined && config.n_routed_experts !== null;
    const shared = deepseekStyle ? (config.n_shared_experts ?? config.num_shared_experts ?? 0) : config.shared_expert_intermediate_size ? 1 : 0;
    const sharedSize = deepseekStyle ? expertSize * shared : (config.shared_expert_intermediate_size ?? 0);
    const generic = { ...config, model_type: deepseekStyle ? 'deepseek' : 'qwen3_moe' };
    moe = {
      routedExperts: experts,
      sharedExperts: shared,
      expertsPerToken: perToken,
      expertIntermediateSize: expertSize,
      sharedExpertIntermediateSize: sharedSize,
      moeLayers: countMoeLayers(generic),
      routerBias: config.topk_method === 'noaux_tc',
      sharedExpertGate: !deepseekStyle && sharedSize > 0,
      expertBias: false,
    };
    assumptions.push(
      `${experts} routed experts of SwiGLU ${expertSize}, ${perToken} per token, in ${moe.moeLayers} of ${config.num_hidden_layers} layers (${deepseekStyle ? 'first_k_dense_replace / moe_layer_freq' : 'decoder_sparse_step / mlp_only_layers'})` +
        (sharedSize > 0 ? `, a shared expert of ${sharedSize}` : ', no shared expert'),
    );
  }
  const denseIntermediateSize = config.intermediate_size ?? config.moe_intermediate_size;
  if (!denseIntermediateSize) throw new UserError(`${where}: model_type "${type}" is not supported; read generically, it needs "intermediate_size"`);
  const generic = { ...config, model_type: 'llama' };
  const attention = attentionFromConfig(generic, where);
  if (attention.kind === 'gqa') {
    assumptions.push(
      `every layer is grouped-query attention: ${attention.heads} heads, ${attention.kvHeads} KV heads of ${attention.headDim}` +
        `${config.head_dim ? '' : ' (hidden_size / heads)'}, ${attention.qkvBias ? 'biased' : 'no biases'}, no q/k norm`,
    );
  }
  assumptions.push(`a SwiGLU MLP (gate, up, down) and two RMSNorms per layer${config.tie_word_embeddings ? ', embeddings tied' : ', embeddings and lm_head untied'}`);
  const sliding = slidingWindowFromConfig(generic, where);
  if (sliding) assumptions.push(`${sliding.layers} layers attend over a ${sliding.window}-token window`);
  else if (config.sliding_window) assumptions.push(`every layer attends over the whole context (sliding_window ${config.sliding_window} ignored without layer_types: the larger KV cache)`);
  const dtype = config.torch_dtype ?? config.dtype ?? 'bfloat16';
  const visionParams = config.vision_config ? visionParamsFromConfig(config.vision_config, config.hidden_size) : 0;
  if (config.vision_config) assumptions.push(`its vision encoder counted as a ${config.vision_config.model_type ?? 'SigLIP-style'} tower`);
  return parseWith(
    ArchitectureSchema,
    {
      modelType: type,
      vocabSize: config.vocab_size,
      hiddenSize: config.hidden_size,
      layers: config.num_hidden_layers,
      attention,
      denseIntermediateSize,
      moe,
      tiedEmbeddings: config.tie_word_embeddings ?? false,
      maxContext: config.max_position_embeddings,
      mtpLayers: config.num_nextn_predict_layers ?? 0,
      slidingWindow: sliding,
      normsPerLayer: 2,
      visionParams,
      storedBits: ownEntry(DTYPE_BITS, dtype) ?? 16,
      assumptions: [`model_type "${type}" is not one gpuplan knows (${supported}); it was read as a generic decoder: ${assumptions.join('; ')}`],
    },
    where,
  );
}
