/**
 * How vLLM V1 lays out and reports its KV cache (vllm/v1/core/kv_cache_utils.py):
 *
 * - Layers of one attention kind share a spec. With full and sliding-window layers
 *   (gpt-oss, Gemma 3) the layers are cut into groups of `group_size` layers
 *   (_get_kv_cache_groups_uniform_page_size: the smallest kind's count, or the largest
 *   when it is under 1.25 × the smallest), and the memory into `group_size` tensors of
 *   `num_blocks` pages each, one page per block per layer.
 * - "GPU KV cache size" is num_blocks // len(groups) × block_size (_report_kv_cache_config).
 * - "Maximum concurrency" is num_blocks over the blocks one max_model_len request takes in
 *   every group (get_max_concurrency_for_kv_cache_config): cdiv(max_model_len, block) for
 *   a full-attention group, cdiv(min(window − 1 + max_num_batched_tokens, max_model_len),
 *   block) + 1 for a sliding one (SlidingWindowSpec.max_memory_usage_bytes).
 * - check_enough_kv_cache_memory refuses to start when the sum of every layer's
 *   max_memory_usage_bytes exceeds the available memory.
 */
import type { StageLayers } from '../../memory/kvcache.js';

export interface VllmKvInput {
  /** The fullest pipeline stage's layers, by kind. */
  stage: StageLayers;
  /** KV bytes per token of one layer on one GPU. */
  perLayerPerToken: number;
  blockSize: number;
  /** Sliding window of the windowed layers (null: none). */
  window: number | null;
  maxModelLen: number;
  maxNumBatchedTokens: number;
  availableBytes: number;
}

export interface VllmKv {
  groups: number;
  groupSize: number;
  numBlocks: number;
  /** What vLLM logs as "GPU KV cache size". */
  tokens: number;
  /** Blocks one request of max_model_len takes over every group. */
  blocksPerRequest: number;
  /** What vLLM logs as "Maximum concurrency for N tokens per request". */
  maxConcurrency: number;
  /** Bytes one request of max_model_len can take (check_enough_kv_cache_memory's "needed"). */
  bytesPerRequest: number;
  /** Bytes of one block index across the group's layers. */
  blockBytes: number;
}

const cdiv = (a: number, b: number) => Math.ceil(a / b);

export function vllmKv(i: VllmKvInput): VllmKv {
  const page = i.blockSize * i.perLayerPerToken;
  const full = i.stage.full;
  const sliding = i.window === null ? 0 : i.stage.sliding;
  const fullAttention = full + (i.window === null ? i.stage.sliding : 0);
  const kinds = [fullAttention, sliding].filter((n) => n > 0);
  const smallest = Math.min(...kinds);
  const largest = Math.max(...kinds);
  const groupSize = largest < smallest * 1.25 ? largest : smallest;
  const fullGroups = cdiv(fullAttention, groupSize);
  const slidingGroups = sliding > 0 ? cdiv(sliding, groupSize) : 0;
  const groups = fullGroups + slidingGroups;
  const blockBytes = page * groupSize;
  const numBlocks = Math.max(0, Math.floor(i.availableBytes / blockBytes));
  const fullBlocks = cdiv(i.maxModelLen, i.blockSize);
  const windowBlocks = i.window === null ? 0 : cdiv(Math.min(i.window - 1 + i.maxNumBatchedTokens, i.maxModelLen), i.blockSize) + 1;
  const blocksPerRequest = fullGroups * fullBlocks + slidingGroups * windowBlocks;
  return {
    groups,
    groupSize,
    numBlocks,
    tokens: Math.floor(numBlocks / groups) * i.blockSize,
    blocksPerRequest,
    maxConcurrency: numBlocks / blocksPerRequest,
    bytesPerRequest: page * (fullAttention * fullBlocks + sliding * windowBlocks),
    blockBytes,
  };
}
