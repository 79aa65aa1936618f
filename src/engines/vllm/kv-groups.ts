/**
 * How vLLM V1 lays out and reports its KV cache (vllm/v1/core/kv_cache_utils.py):
 *
 * - Layers of one attention kind share a spec. With full and sliding-window layers
 *   (gpt-oss, Gemma 3) the model's layers are cut into groups of `group_size` layers of one
 *   kind (_get_kv_cache_groups_uniform_page_size: the smallest kind's count; releases with a
 *   `groupMergeRatio` take the largest when it is under ratio × the smallest). The grouping is
 *   made once for the whole model, so a pipeline stage keeps the groups and holds some of
 *   their layers.
 * - A GPU's memory becomes as many tensors as its fullest group has layers, each of
 *   `num_blocks` pages of one layer (get_kv_cache_config_from_groups); the engine takes the
 *   smallest `num_blocks` over the stages.
 * - "GPU KV cache size" is num_blocks // len(groups) × block_size (_report_kv_cache_config).
 * - "Maximum concurrency" is num_blocks over the blocks one max_model_len request takes in
 *   every group (get_max_concurrency_for_kv_cache_config): cdiv(max_model_len, block) for
 *   a full-attention group, cdiv(min(window − 1 + max_num_batched_tokens, max_model_len),
 *   block) + 1 for a sliding one (SlidingWindowSpec.max_memory_usage_bytes).
 * - check_enough_kv_cache_memory refuses to start when the sum of every layer's
 *   max_memory_usage_bytes on the GPU exceeds its available memory.
 * - Hybrids with linear-attention / Mamba layers (Qwen3-Next, Kimi Linear, Nemotron-H): the
 *   attention block size is raised until an attention page holds at least one layer's state of
 *   one sequence, in steps of 16 tokens, and the state page is padded to it
 *   (model_executor/models/config.py HybridAttentionMambaModelConfig.verify_and_update_config:
 *   "Setting attention block size to N tokens…", "Padding mamba page size by X%…"). State layers
 *   form groups like any other kind and a request takes one block in each
 *   (MambaSpec.max_memory_usage_bytes with mamba_cache_mode "none", the default).
 *   Reproduces the 0.10.2 Qwen3-Next log of test/fixtures/engine-logs (block 544, 973,760 tokens, 14.77x).
 */

/** A layer's cache as vLLM specs it: full or sliding attention, a linear layer's state, or nothing (an MLP-only block). */
export type VllmLayerKind = 'full' | 'sliding' | 'state' | 'none';

/**
 * The attention kernels' block-size step (config.py HybridAttentionMambaModelConfig
 * kernel_block_alignment_size): 16, 64 for MLA backends, 32 on Blackwell (compute capability 10)
 * for head size 256 with FlashInfer, taken whenever it applies (a larger step is the safe side).
 */
export function kernelBlockAlignment(mla: boolean, headSize: number, computeCapability: string): number {
  if (mla) return 64;
  return headSize === 256 && Number.parseFloat(computeCapability) >= 10 && Number.parseFloat(computeCapability) < 11 ? 32 : 16;
}

export interface VllmKvInput {
  /** Each layer's kind in model order. */
  layerKinds: readonly VllmLayerKind[];
  /** Bytes of one state layer's state for one sequence on one GPU (0 without state layers). */
  statePageBytes: number;
  /** The step the raised attention block size is a multiple of (kernelBlockAlignment; 16 when absent). */
  blockAlignment?: number;
  /** The layers of the stage this GPU holds: [first, end). */
  stage: { first: number; end: number };
  /** KV bytes per token of one layer on one GPU. */
  perLayerPerToken: number;
  blockSize: number;
  /** Sliding window of the windowed layers (null: none, every layer is full attention). */
  window: number | null;
  /** Merge into one group size when the larger kind's count is under this × the smaller's (null: never). */
  groupMergeRatio: number | null;
  maxModelLen: number;
  maxNumBatchedTokens: number;
  availableBytes: number;
}

export interface VllmKv {
  groups: number;
  /** Layers of the stage's fullest group: the tensors its memory is cut into. */
  tensors: number;
  numBlocks: number;
  /** What vLLM logs as "GPU KV cache size". */
  tokens: number;
  /** What vLLM logs as "Maximum concurrency for N tokens per request". */
  maxConcurrency: number;
  /** Bytes one request of max_model_len can take on this GPU (check_enough_kv_cache_memory's "needed"). */
  bytesPerRequest: number;
  /** The attention block size in tokens (raised for hybrids). */
  blockSize: number;
}

/** The attention block size a hybrid needs so one attention page holds a state page (the release's size otherwise). */
export function hybridBlockSize(blockSize: number, perLayerPerToken: number, statePageBytes: number, alignment = 16): number {
  if (statePageBytes <= 0 || perLayerPerToken <= 0) return blockSize;
  const aligned = alignment * cdiv(statePageBytes, alignment * perLayerPerToken);
  return Math.max(blockSize, aligned);
}

const cdiv = (a: number, b: number) => Math.ceil(a / b);

type GroupKind = Exclude<VllmLayerKind, 'none'>;

type LayerGroup = { kind: GroupKind; layers: number[] };

/** Groups by layer kinds, window and merge ratio: every fit of one model asks for the same ones (the search fits hundreds). */
const groupsOf = new WeakMap<readonly VllmLayerKind[], Map<string, readonly LayerGroup[]>>();

/** The model's layer indices cut into groups of one kind. */
function layerGroups(layerKinds: readonly VllmLayerKind[], window: number | null, mergeRatio: number | null): readonly LayerGroup[] {
  let known = groupsOf.get(layerKinds);
  if (!known) {
    known = new Map();
    groupsOf.set(layerKinds, known);
  }
  const key = `${window} ${mergeRatio}`;
  const cached = known.get(key);
  if (cached) return cached;
  const byKind: Record<GroupKind, number[]> = { full: [], sliding: [], state: [] };
  layerKinds.forEach((k, i) => {
    if (k !== 'none') byKind[k === 'sliding' && window === null ? 'full' : k].push(i);
  });
  const kinds = (['full', 'sliding', 'state'] as const).map((kind) => ({ kind, layers: byKind[kind] })).filter((k) => k.layers.length > 0);
  const smallest = Math.min(...kinds.map((k) => k.layers.length));
  const largest = Math.max(...kinds.map((k) => k.layers.length));
  const size = mergeRatio !== null && largest < smallest * mergeRatio ? largest : smallest;
  const groups = kinds.flatMap(({ kind, layers }) => Array.from({ length: cdiv(layers.length, size) }, (_, g) => ({ kind, layers: layers.slice(g * size, (g + 1) * size) })));
  known.set(key, groups);
  return groups;
}

export function vllmKv(i: VllmKvInput): VllmKv {
  const blockSize = hybridBlockSize(i.blockSize, i.perLayerPerToken, i.statePageBytes, i.blockAlignment);
  const page = Math.max(blockSize * i.perLayerPerToken, i.statePageBytes);
  const groups = layerGroups(i.layerKinds, i.window, i.groupMergeRatio);
  const onStage = (layers: number[]) => layers.filter((l) => l >= i.stage.first && l < i.stage.end).length;
  const tensors = Math.max(1, ...groups.map((g) => onStage(g.layers)));
  const numBlocks = Math.max(0, Math.floor(i.availableBytes / (page * tensors)));
  const blocks: Record<GroupKind, number> = {
    full: cdiv(i.maxModelLen, blockSize),
    sliding: i.window === null ? 0 : cdiv(Math.min(i.window - 1 + i.maxNumBatchedTokens, i.maxModelLen), blockSize) + 1,
    state: 1,
  };
  const blocksPerRequest = groups.reduce((s, g) => s + blocks[g.kind], 0);
  const stageLayers = groups.reduce((s, g) => s + onStage(g.layers) * blocks[g.kind], 0);
  return {
    groups: groups.length,
    tensors,
    numBlocks,
    tokens: Math.floor(numBlocks / Math.max(1, groups.length)) * blockSize,
    maxConcurrency: blocksPerRequest > 0 ? numBlocks / blocksPerRequest : Infinity,
    bytesPerRequest: page * stageLayers,
    blockSize,
  };
}
