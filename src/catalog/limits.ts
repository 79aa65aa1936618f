/**
 * Upper bounds on the sizes gpuplan accepts from config.json files, GGUF headers,
 * catalogs and cached hub answers. Sizes drive loops and arrays (one entry per layer,
 * per expert), so a file claiming 10^12 layers would hang or exhaust memory; past a
 * bound the file is refused as bad input instead.
 *
 * Each bound is at least 8× the largest value of any model in catalogs/models/
 * (late 2026): 126 layers (Llama 3.1 405B), hidden 16,384 (405B), intermediate 53,248
 * (405B), vocab 262,208 (Gemma 3), 128 attention heads (405B, DeepSeek-V3), head dim
 * 576 (DeepSeek MLA K), 384 routed experts (Kimi K2), 10,485,760 positions (Llama 4
 * Scout's published context).
 */
export const LIMITS = {
  layers: 1024,
  hiddenSize: 262_144,
  intermediateSize: 1_048_576,
  vocabSize: 4_194_304,
  heads: 4096,
  headDim: 8192,
  experts: 8192,
  positions: 1 << 30,
  /** $/hour for one GPU: 100× the dearest on-demand rate of 2026 (about $10/h for a B200); 1e308 made every cost Infinity. */
  pricePerHour: 1000,
} as const;
