import { z } from 'zod';
import { LIMITS } from './limits.js';
import { ENGINE_IDS, type EngineId } from './engine-ids.js';

const positiveInt = z.number().int().positive();
const slug = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lowercase letters, digits, ".", "_" or "-"');

export { ENGINE_IDS, type EngineId };
export const EngineIdSchema = z.enum(ENGINE_IDS);

export const GPU_ARCHITECTURES = ['volta', 'turing', 'ampere', 'ada', 'hopper', 'blackwell', 'cdna3'] as const;

export const GpuSchema = z.strictObject({
  id: slug,
  name: z.string().min(1),
  family: slug,
  aliases: z.array(z.string().min(1)).default([]),
  vendor: z.enum(['nvidia', 'amd']),
  segment: z.enum(['datacenter', 'workstation', 'consumer']),
  architecture: z.enum(GPU_ARCHITECTURES),
  /** CUDA compute capability ("8.0") or the AMD gfx target ("gfx942"). */
  computeCapability: z.string().regex(/^(\d+\.\d+|gfx\d+)$/),
  /** Usable memory as `nvidia-smi` / `rocm-smi` reports it, in bytes. */
  memoryBytes: positiveInt,
  /**
   * Total memory as CUDA/HIP reports it (torch.cuda.mem_get_info()[1]): what vLLM's
   * gpu_memory_utilization multiplies. Smaller than `memoryBytes` by what the driver keeps;
   * null when no published figure was found (engines then assume the largest gap seen).
   */
  cudaTotalBytes: positiveInt.nullable().default(null),
  /** Where `cudaTotalBytes` was read: the published line and its link. */
  cudaTotalSource: z.string().min(1).nullable().default(null),
  memoryBandwidthGBs: z.number().positive(),
  bf16Tflops: z.number().positive(),
  fp8Tflops: z.number().positive().nullable(),
  int8Tops: z.number().positive().nullable(),
  /** How GPUs in one node talk to each other (tensor-parallel all-reduce, expert-parallel all-to-all). */
  interconnect: z.strictObject({
    /** The link GPU-to-GPU traffic takes inside one node; `pcie` also covers cards without peer-to-peer that go through host memory. */
    kind: z.enum(['nvlink', 'pcie', 'xgmi']),
    /**
     * Per-GPU, per-direction (unidirectional) GPU-to-GPU bandwidth within one node, GB/s (1e9 B/s):
     * half of the bidirectional figure datasheets print (H100 SXM "NVLink 900GB/s" -> 450).
     */
    bandwidthGBs: z.number().positive().describe('per-GPU, per-direction (unidirectional) GPU-to-GPU bandwidth within one node, GB/s; half the bidirectional datasheet figure'),
    /** The datasheet or spec the figure comes from: document name or URL, the exact figure quoted, and the halving. */
    source: z.string().min(1).describe('datasheet/spec quoted for bandwidthGBs: name or URL, the exact figure, and how it became per-direction'),
  }),
  /** Bounded: the planner tries every count up to it (GB200 NVL72, the largest NVLink domain, has 72). */
  maxPerNode: positiveInt.max(1024),
  pricePerHour: z.number().positive().max(LIMITS.pricePerHour),
  priceSource: z.string().min(1),
});
export type Gpu = z.infer<typeof GpuSchema>;

/** Parameter groups a quantization may leave at 16-bit (see memory/params.ts). */
export const PARAM_GROUPS = [
  'embeddings',
  'lmHead',
  'attention',
  'mlp',
  'sharedExperts',
  'routedExperts',
  'router',
  'norms',
  /** A multimodal checkpoint's vision encoder and projector (SigLIP in Gemma 3): kept at 16-bit. */
  'vision',
] as const;
export const ParamGroupSchema = z.enum(PARAM_GROUPS);
export type ParamGroup = z.infer<typeof ParamGroupSchema>;

export const QuantizationSchema = z.strictObject({
  id: slug,
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)).default([]),
  format: z.enum(['safetensors', 'gguf']),
  /** Effective bits per quantized weight, scales and zero points included. */
  bitsPerWeight: z.number().positive().max(32),
  /** The headline figure users know the format by (4 for Q4_K_M, 1.58 for the dynamic IQ1_S). */
  nominalBits: z.number().positive().max(32),
  keepsFullPrecision: z.array(ParamGroupSchema).default([]),
  engines: z.array(EngineIdSchema).min(1),
  /** Lowest NVIDIA compute capability the engines run it on. */
  minComputeCapability: z.string().regex(/^\d+\.\d+$/),
  /** Compute capability from which it runs natively (FP8 tensor cores); below it a weight-only kernel is used. */
  nativeComputeCapability: z
    .string()
    .regex(/^\d+\.\d+$/)
    .nullable()
    .default(null),
  /** Value for `vllm serve --quantization`, or null when vLLM reads it from the checkpoint. */
  vllmQuantizationFlag: z.string().nullable().default(null),
  qualityRank: z.number().min(0).max(100),
  source: z.string().min(1),
});
export type Quantization = z.infer<typeof QuantizationSchema>;

/**
 * A whole number from a file, min..max (limits.ts): past the bound the file is refused
 * before anything loops over it.
 */
const upTo = (max: number, min = 1) => z.number().int().min(min).max(max, `must be at most ${max} (gpuplan's bound, 8× any published model)`);

/**
 * The subset of a Hugging Face `config.json` gpuplan reads, with the field names
 * exactly as transformers writes them. Unknown keys are kept (configs carry many).
 */
export const HfConfigSchema = z.looseObject({
  architectures: z.array(z.string()).optional(),
  model_type: z.string().min(1),
  vocab_size: upTo(LIMITS.vocabSize),
  hidden_size: upTo(LIMITS.hiddenSize),
  intermediate_size: upTo(LIMITS.intermediateSize).optional(),
  num_hidden_layers: upTo(LIMITS.layers),
  num_attention_heads: upTo(LIMITS.heads),
  num_key_value_heads: upTo(LIMITS.heads).nullish(),
  head_dim: upTo(LIMITS.headDim).nullish(),
  max_position_embeddings: upTo(LIMITS.positions),
  tie_word_embeddings: z.boolean().optional(),
  torch_dtype: z.string().optional(),
  dtype: z.string().optional(),
  attention_bias: z.boolean().optional(),
  // Mixtral / Qwen-MoE style experts
  num_local_experts: upTo(LIMITS.experts).optional(),
  num_experts: upTo(LIMITS.experts).nullish(),
  num_experts_per_tok: upTo(LIMITS.experts).optional(),
  moe_intermediate_size: upTo(LIMITS.intermediateSize).optional(),
  shared_expert_intermediate_size: upTo(LIMITS.intermediateSize, 0).optional(),
  decoder_sparse_step: upTo(LIMITS.layers).optional(),
  mlp_only_layers: z.array(upTo(LIMITS.layers, 0)).max(LIMITS.layers).optional(),
  // DeepSeek-V2/V3 experts and MLA
  n_routed_experts: upTo(LIMITS.experts).nullish(),
  n_shared_experts: upTo(LIMITS.experts, 0).nullish(),
  first_k_dense_replace: upTo(LIMITS.layers, 0).optional(),
  moe_layer_freq: upTo(LIMITS.layers).optional(),
  topk_method: z.string().optional(),
  q_lora_rank: upTo(LIMITS.hiddenSize).nullable().optional(),
  kv_lora_rank: upTo(LIMITS.hiddenSize).optional(),
  qk_nope_head_dim: upTo(LIMITS.headDim).optional(),
  qk_rope_head_dim: upTo(LIMITS.headDim).optional(),
  v_head_dim: upTo(LIMITS.headDim).optional(),
  num_nextn_predict_layers: upTo(LIMITS.layers, 0).optional(),
  // Sliding-window attention
  sliding_window: upTo(LIMITS.positions).nullish(),
  use_sliding_window: z.boolean().optional(),
  max_window_layers: upTo(LIMITS.layers, 0).optional(),
  /** Multimodal checkpoints (Gemma 3): the vision encoder, counted as weights. */
  vision_config: z
    .looseObject({
      hidden_size: upTo(LIMITS.hiddenSize),
      intermediate_size: upTo(LIMITS.intermediateSize),
      /** SigLIP and Pixtral name the depth num_hidden_layers, Qwen3-VL-style towers `depth`. */
      num_hidden_layers: upTo(LIMITS.layers).optional(),
      depth: upTo(LIMITS.layers).optional(),
      patch_size: upTo(LIMITS.positions),
      image_size: upTo(LIMITS.positions).optional(),
      num_channels: upTo(LIMITS.heads).optional(),
      model_type: z.string().optional(),
      // Qwen3-VL-style towers (Qwen3.5)
      in_channels: upTo(LIMITS.heads).optional(),
      temporal_patch_size: upTo(LIMITS.headDim).optional(),
      num_position_embeddings: upTo(LIMITS.positions).optional(),
      out_hidden_size: upTo(LIMITS.hiddenSize).optional(),
      spatial_merge_size: upTo(LIMITS.headDim).optional(),
      deepstack_visual_indexes: z.array(upTo(LIMITS.layers, 0)).max(LIMITS.layers).optional(),
      // Gemma 4's vision tower
      num_attention_heads: upTo(LIMITS.heads).optional(),
      num_key_value_heads: upTo(LIMITS.heads).optional(),
      head_dim: upTo(LIMITS.headDim).optional(),
      position_embedding_size: upTo(LIMITS.positions).optional(),
      standardize: z.boolean().optional(),
    })
    .optional(),
  /** Per-layer attention kind of hybrid models (`sliding_attention` / `full_attention` / `linear_attention`). */
  layer_types: z.array(z.string().max(64)).max(LIMITS.layers).optional(),
  // Qwen3-Next / Qwen3.5: Gated DeltaNet layers between gated full-attention layers
  full_attention_interval: upTo(LIMITS.layers).optional(),
  linear_num_key_heads: upTo(LIMITS.heads).optional(),
  linear_num_value_heads: upTo(LIMITS.heads).optional(),
  linear_key_head_dim: upTo(LIMITS.headDim).optional(),
  linear_value_head_dim: upTo(LIMITS.headDim).optional(),
  linear_conv_kernel_dim: upTo(LIMITS.headDim).optional(),
  attn_output_gate: z.boolean().optional(),
  mtp_num_hidden_layers: upTo(LIMITS.layers, 0).optional(),
  mtp_use_dedicated_embeddings: z.boolean().optional(),
  /** Qwen3.5: the dtype its authors run the recurrent state in. */
  mamba_ssm_dtype: z.string().max(32).optional(),
  /** Nemotron 3: the same, as vLLM's cache option names it. */
  mamba_ssm_cache_dtype: z.string().max(32).optional(),
  attention_head_dim: upTo(LIMITS.headDim).optional(),
  // Kimi Linear: Kimi Delta Attention layers (1-based indices) between MLA layers
  linear_attn_config: z
    .looseObject({
      kda_layers: z.array(upTo(LIMITS.layers)).max(LIMITS.layers),
      full_attn_layers: z.array(upTo(LIMITS.layers)).max(LIMITS.layers),
      num_heads: upTo(LIMITS.heads),
      head_dim: upTo(LIMITS.headDim),
      short_conv_kernel_size: upTo(LIMITS.headDim),
    })
    .optional(),
  num_experts_per_token: upTo(LIMITS.experts).optional(),
  num_shared_experts: upTo(LIMITS.experts, 0).optional(),
  // DeepSeek Sparse Attention (DeepSeek-V3.2, GLM-5): the lightning indexer
  index_n_heads: upTo(LIMITS.heads).optional(),
  index_head_dim: upTo(LIMITS.headDim).optional(),
  index_topk: upTo(LIMITS.positions).optional(),
  /** GLM-5.2: `full` layers run their own indexer, `shared` ones reuse the previous one's selection. */
  indexer_types: z.array(z.string().max(64)).max(LIMITS.layers).optional(),
  /** GLM-5.2: `dense` or `sparse` (MoE) per layer. */
  mlp_layer_types: z.array(z.string().max(64)).max(LIMITS.layers).optional(),
  // GLM-4.5 and MiniMax-M2
  use_qk_norm: z.boolean().optional(),
  qk_norm_type: z.string().max(64).optional(),
  use_routing_bias: z.boolean().optional(),
  // Nemotron-H: one character per block (M Mamba-2, * attention, - MLP, E MoE)
  hybrid_override_pattern: z.string().max(LIMITS.layers).optional(),
  mamba_num_heads: upTo(LIMITS.heads).optional(),
  mamba_head_dim: upTo(LIMITS.headDim).optional(),
  ssm_state_size: upTo(LIMITS.headDim).optional(),
  n_groups: upTo(LIMITS.heads).optional(),
  conv_kernel: upTo(LIMITS.headDim).optional(),
  use_conv_bias: z.boolean().optional(),
  use_bias: z.boolean().optional(),
  mlp_bias: z.boolean().optional(),
  moe_shared_expert_intermediate_size: upTo(LIMITS.intermediateSize, 0).optional(),
  // Gemma 4: full-attention layers with their own head size and KV heads, K standing in for V
  global_head_dim: upTo(LIMITS.headDim).optional(),
  num_global_key_value_heads: upTo(LIMITS.heads).optional(),
  attention_k_eq_v: z.boolean().optional(),
  enable_moe_block: z.boolean().optional(),
  top_k_experts: upTo(LIMITS.experts).nullish(),
  num_kv_shared_layers: upTo(LIMITS.layers, 0).optional(),
  hidden_size_per_layer_input: upTo(LIMITS.hiddenSize, 0).optional(),
  quantization_config: z.looseObject({}).optional(),
});
export type HfConfig = z.infer<typeof HfConfigSchema>;

/**
 * Multimodal config.json files (Gemma 3, Mistral 3) nest the decoder under text_config
 * and leave some of its fields to transformers' defaults: lift text_config to the top
 * level, keeping vision_config, before the schema reads it.
 */
export function liftTextConfig(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object') return raw;
  const given = raw as Record<string, unknown>;
  // Kimi Linear states its context as model_max_length (configuration_kimi.py has no max_position_embeddings).
  const config =
    given.max_position_embeddings === undefined && typeof given.model_max_length === 'number' && given.text_config === undefined
      ? { ...given, max_position_embeddings: given.model_max_length }
      : given;
  const text = config.text_config as Record<string, unknown> | undefined;
  if (!text || config.num_hidden_layers !== undefined) return config;
  // Gemma3TextConfig defaults (transformers configuration_gemma3.py) for fields the file may omit.
  const defaults = text.model_type === 'gemma3_text' ? { vocab_size: 262208, max_position_embeddings: 131072, tie_word_embeddings: true, sliding_window: 4096 } : {};
  return {
    ...defaults,
    ...text,
    architectures: config.architectures,
    vision_config: config.vision_config,
    spatial_merge_size: config.spatial_merge_size,
    quantization_config: config.quantization_config ?? text.quantization_config,
    torch_dtype: config.torch_dtype ?? text.torch_dtype,
    // Qwen3.5 states tie_word_embeddings at the top level only; the text config's own value, or its defaults, win.
    tie_word_embeddings: text.tie_word_embeddings ?? config.tie_word_embeddings ?? (defaults as { tie_word_embeddings?: boolean }).tie_word_embeddings,
  };
}

export const ArtifactSchema = z.strictObject({
  quantization: slug,
  format: z.enum(['safetensors', 'gguf']),
  /** `hf:org/name`, `hf:org/name/file-or-folder`, or `ollama:name:tag`. */
  source: z.string().regex(/^(hf|ollama):\S+$/, 'must start with hf: or ollama:'),
  /** Real size on disk in bytes when the publisher states it (index total_size, file sizes). */
  bytes: positiveInt.nullable().default(null),
  /** Whether the checkpoint carries DeepSeek's multi-token-prediction layer (engines skip it when serving). */
  includesMtp: z.boolean().default(false),
  /** Where `bytes` comes from. */
  sizeSource: z.string().optional(),
  /**
   * MLA models in GGUF: how the file lets llama.cpp cache attention. `latent`: converted after
   * llama.cpp PR #12801 (April 2025; the file has attention.key_length_mla), the cache keeps the
   * 576-element latent as K and 512 as V; `heads`: converted before, K and V of every head
   * (about 5 MB/token at f16 for DeepSeek-V3). Unset: `heads`, the larger.
   */
  ggufMlaCache: z.enum(['latent', 'heads']).optional(),
});
export type Artifact = z.infer<typeof ArtifactSchema>;

export const ModelEntrySchema = z.strictObject({
  id: slug,
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)).default([]),
  hfRepo: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  /** Parameter counts the publisher states, for checking the computed ones. */
  publishedParams: z.number().positive(),
  publishedActiveParams: z.number().positive().optional(),
  paramsSource: z.string().min(1),
  /** Smaller models distilled from this one, suggested when it does not fit. */
  distills: z.array(slug).default([]),
  config: HfConfigSchema,
  artifacts: z.array(ArtifactSchema).default([]),
});
export type ModelEntry = z.infer<typeof ModelEntrySchema>;

export const ModelFileSchema = z.strictObject({
  family: z.string().min(1),
  source: z.string().min(1),
  models: z.array(ModelEntrySchema).min(1),
});

export const GpuFileSchema = z.array(GpuSchema).min(1);
export const QuantizationFileSchema = z.array(QuantizationSchema).min(1);
