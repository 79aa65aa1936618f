import { ownEntry } from '../util/own.js';
import { z } from 'zod';
import type { HfConfig } from './schema.js';
import { UserError } from '../util/errors.js';
import { parseWith } from './validate.js';

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
});
export type Architecture = z.infer<typeof ArchitectureSchema>;
export type GqaAttention = z.infer<typeof GqaAttentionSchema>;
export type MlaAttention = z.infer<typeof MlaAttentionSchema>;
export type Moe = z.infer<typeof MoeSchema>;

/** transformers model_type values gpuplan knows how to count. */
export const SUPPORTED_MODEL_TYPES = ['llama', 'mistral', 'qwen2', 'qwen3', 'mixtral', 'qwen2_moe', 'qwen3_moe', 'deepseek_v2', 'deepseek_v3', 'gpt_oss', 'gemma3_text'] as const;

const DTYPE_BITS: Record<string, number> = { bfloat16: 16, float16: 16, float32: 32 };

function requireField<T>(value: T | null | undefined, field: string, where: string): T {
  if (value === undefined || value === null) {
    throw new UserError(`${where}: config field "${field}" is required for this architecture but missing`);
  }
  return value;
}

function countMoeLayers(config: HfConfig): number {
  const layers = config.num_hidden_layers;
  let count = 0;
  for (let i = 0; i < layers; i++) {
    if (config.model_type.startsWith('deepseek')) {
      // modeling_deepseek.py: MoE when layer_idx >= first_k_dense_replace and layer_idx % moe_layer_freq == 0
      const firstDense = config.first_k_dense_replace ?? 0;
      const freq = config.moe_layer_freq ?? 1;
      if (i >= firstDense && i % freq === 0) count++;
    } else if (config.model_type === 'mixtral' || config.model_type === 'gpt_oss') {
      count++;
    } else {
      // modeling_qwen2_moe.py / qwen3_moe: (layer_idx not in mlp_only_layers) and (layer_idx + 1) % decoder_sparse_step == 0
      const step = config.decoder_sparse_step ?? 1;
      const denseOnly = new Set(config.mlp_only_layers ?? []);
      if (!denseOnly.has(i) && (i + 1) % step === 0) count++;
    }
  }
  return count;
}

function moeFromConfig(config: HfConfig, where: string): Architecture['moe'] {
  const type = config.model_type;
  if (type === 'mixtral' || type === 'gpt_oss') {
    // num_local_experts of intermediate_size in every layer, no shared expert. gpt-oss
    // (modeling_gpt_oss.py GptOssMLP) biases its router and the experts' gate_up (2 × I) and down projections.
    const biased = type === 'gpt_oss';
    return {
      routedExperts: requireField(config.num_local_experts, 'num_local_experts', where),
      sharedExperts: 0,
      expertsPerToken: requireField(config.num_experts_per_tok, 'num_experts_per_tok', where),
      expertIntermediateSize: requireField(config.intermediate_size, 'intermediate_size', where),
      sharedExpertIntermediateSize: 0,
      moeLayers: countMoeLayers(config),
      routerBias: biased,
      sharedExpertGate: false,
      expertBias: biased,
    };
  }
  if (type === 'qwen2_moe' || type === 'qwen3_moe') {
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
  if (type === 'deepseek_v2' || type === 'deepseek_v3') {
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
      routerBias: config.topk_method === 'noaux_tc',
      sharedExpertGate: false,
      expertBias: false,
    };
  }
  return null;
}

function attentionFromConfig(config: HfConfig, where: string): Architecture['attention'] {
  const heads = config.num_attention_heads;
  if (config.model_type === 'deepseek_v2' || config.model_type === 'deepseek_v3') {
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
  const headDim = config.head_dim ?? config.hidden_size / heads;
  if (!Number.isInteger(headDim)) {
    throw new UserError(`${where}: hidden_size ${config.hidden_size} is not divisible by num_attention_heads ${heads}; set head_dim`);
  }
  const kvHeads = config.num_key_value_heads ?? heads;
  // Grouped-query attention shares each KV head among heads / kv_heads query heads (transformers repeat_kv); engines refuse anything else.
  if (heads % kvHeads !== 0) throw new UserError(`${where}: num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kvHeads}`);
  const qwen2Family = config.model_type === 'qwen2' || config.model_type === 'qwen2_moe';
  return {
    kind: 'gqa',
    heads,
    kvHeads: config.num_key_value_heads ?? heads,
    headDim,
    qkvBias: qwen2Family || config.attention_bias === true,
    outputBias: config.attention_bias === true,
    qkNorm: config.model_type === 'qwen3' || config.model_type === 'qwen3_moe' || config.model_type === 'gemma3_text',
    sinks: config.model_type === 'gpt_oss',
  };
}

function slidingWindowFromConfig(config: HfConfig, file: string): Architecture['slidingWindow'] {
  const window = config.sliding_window;
  if (!window || window >= config.max_position_embeddings) return null;
  const n = config.num_hidden_layers;
  const of = (indices: number[]) => (indices.length > 0 ? { window, layers: indices.length, indices } : null);
  const where = (test: (i: number) => boolean) => of(Array.from({ length: n }, (_, i) => i).filter(test));
  // Hybrid models (gpt-oss, Gemma 3) list each layer's attention: only sliding_attention layers are windowed.
  const types = config.layer_types;
  if (types) return where((i) => types[i] === 'sliding_attention');
  if (config.model_type === 'gemma3_text') {
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
function pixtralParams(vision: NonNullable<HfConfig['vision_config']>, textHidden: number, mergeSize: number): number {
  const h = vision.hidden_size;
  const i = vision.intermediate_size;
  const patch = (vision.num_channels ?? 3) * vision.patch_size ** 2 * h;
  const layer = 4 * h * h + 2 * h + 3 * h * i;
  const projector = h + mergeSize ** 2 * h * h + h * textHidden + textHidden * textHidden;
  return patch + h + vision.num_hidden_layers * layer + projector;
}

/**
 * SigLIP vision tower + Gemma 3 projector parameters (modeling_siglip.py, modeling_gemma3.py
 * Gemma3MultiModalProjector): patch conv with bias, position embeddings per patch, per layer
 * q/k/v/o with biases, two LayerNorms (weight + bias) and a biased fc1/fc2 MLP, the post
 * LayerNorm; then the projection to the text hidden size and its RMSNorm.
 */
export function visionParamsFromConfig(vision: NonNullable<HfConfig['vision_config']>, textHidden: number, mergeSize = 2): number {
  if (vision.model_type === 'pixtral') return pixtralParams(vision, textHidden, mergeSize);
  const h = vision.hidden_size;
  const i = vision.intermediate_size;
  const channels = vision.num_channels ?? 3;
  const patches = (vision.image_size / vision.patch_size) ** 2;
  const embeddings = channels * vision.patch_size ** 2 * h + h + patches * h;
  const layer = 4 * h * h + 4 * h + 2 * 2 * h + h * i + i + i * h + h;
  const projector = h * textHidden + h;
  return embeddings + vision.num_hidden_layers * layer + 2 * h + projector;
}

export function architectureFromConfig(original: HfConfig, where: string): Architecture {
  const alias = ownEntry(MODEL_TYPE_ALIASES, original.model_type);
  const config = alias ? { ...original, model_type: alias } : original;
  if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(config.model_type)) {
    throw new UserError(`${where}: model_type "${config.model_type}" is not supported; supported: ${[...SUPPORTED_MODEL_TYPES, ...Object.keys(MODEL_TYPE_ALIASES)].join(', ')}`);
  }
  const moe = moeFromConfig(config, where);
  const denseIntermediateSize = config.intermediate_size ?? requireField(config.moe_intermediate_size, 'intermediate_size', where);
  const dtype = config.torch_dtype ?? config.dtype ?? 'bfloat16';
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
      mtpLayers: config.num_nextn_predict_layers ?? 0,
      slidingWindow: slidingWindowFromConfig(config, where),
      normsPerLayer: config.model_type === 'gemma3_text' ? 4 : 2,
      visionParams: config.vision_config ? visionParamsFromConfig(config.vision_config, config.hidden_size, Number((config as { spatial_merge_size?: unknown }).spatial_merge_size ?? 2)) : 0,
      storedBits: ownEntry(DTYPE_BITS, dtype) ?? 16,
    },
    where,
  );
}
