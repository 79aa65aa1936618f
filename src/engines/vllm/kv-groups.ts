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
 */

export interface VllmKvInput {
  /** Each layer's kind in model order: true for a sliding-window layer. */
  slidingLayers: readonly boolean[];
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
}

const cdiv = (a: number, b: number) => Math.ceil(a / b);

/** The model's layer indices cut into groups of one kind. */
function layerGroups(slidingLayers: readonly boolean[], window: number | null, mergeRatio: number | null): { sliding: boolean; layers: number[] }[] {
  const full = slidingLayers.flatMap((s, i) => (s && window !== null ? [] : [i]));
  const sliding = window === null ? [] : slidingLayers.flatMap((s, i) => (s ? [i] : []));
  const kinds = [full, sliding].filter((k) => k.length > 0);
  const smallest = Math.min(...kinds.map((k) => k.length));
  const largest = Math.max(...kinds.map((k) => k.length));
  const size = mergeRatio !== null && largest < smallest * mergeRatio ? largest : smallest;
  const chunk = (layers: number[], isSliding: boolean) => Array.from({ length: cdiv(layers.length, size) }, (_, g) => ({ sliding: isSliding, layers: layers.slice(g * size, (g + 1) * size) }));
  return [...chunk(full, false), ...chunk(sliding, true)];
}

export function vllmKv(i: VllmKvInput): VllmKv {
  const page = i.blockSize * i.perLayerPerToken;
  const groups = layerGroups(i.slidingLayers, i.window, i.groupMergeRatio);
  const onStage = (layers: number[]) => layers.filter((l) => l >= i.stage.first && l < i.stage.end).length;
  const tensors = Math.max(...groups.map((g) => onStage(g.layers)));
  const numBlocks = Math.max(0, Math.floor(i.availableBytes / (page * tensors)));
  const fullBlocks = cdiv(i.maxModelLen, i.blockSize);
  const windowBlocks = i.window === null ? 0 : cdiv(Math.min(i.window - 1 + i.maxNumBatchedTokens, i.maxModelLen), i.blockSize) + 1;
  const blocksPerRequest = groups.reduce((s, g) => s + (g.sliding ? windowBlocks : fullBlocks), 0);
  const stageLayers = groups.reduce((s, g) => s + onStage(g.layers) * (g.sliding ? windowBlocks : fullBlocks), 0);
  return {
    groups: groups.length,
    tensors,
    numBlocks,
    tokens: Math.floor(numBlocks / groups.length) * i.blockSize,
    maxConcurrency: numBlocks / blocksPerRequest,
    bytesPerRequest: page * stageLayers,
  };
}
