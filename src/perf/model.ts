/**
 * How fast one engine instance decodes and prefills (docs/ARCHITECTURE.md, "Speed"). Pure: the
 * shape of the deployment comes in as numbers (planner/perf.ts builds it from an engine fit), the
 * engine release's fitted constants as `PerfConstants` (src/engines/<engine>/perf.ts, each naming
 * the benchmarks of test/fixtures/benchmarks/ it was fitted to).
 *
 * One decode step of an instance with B running sequences:
 *   memory  = (weights read + KV read) / (HBM bandwidth × bandwidthEfficiency)
 *   compute = dense FLOPs / (peak × computeEfficiency) + expert FLOPs / (peak × moeComputeEfficiency)
 *   step    = max(memory, compute) + layers × layerSeconds + MoE layers × moeLayerSeconds
 *             + stepSeconds + B × sequenceSeconds + TP all-reduces + EP all-to-alls + host-RAM layers
 * where a MoE step reads only the experts its tokens touch, and with continuous batching each step
 * also carries the prompts of the requests that join (chunked prefill: B × input/output tokens).
 */
import type { Architecture } from '../catalog/architecture.js';
import type { Gpu } from '../catalog/schema.js';

/** The constants of one engine release, fitted to published measurements (scripts/fit-perf.mjs). */
export interface PerfConstants {
  /** Share of datasheet memory bandwidth a decode step's weight and KV reads reach. */
  bandwidthEfficiency: number;
  /** Share of dense tensor-core peak the dense GEMMs and attention reach (prefill, large batches) on Ampere. */
  computeEfficiency: number;
  /**
   * How much of Ampere's share of peak Hopper and Blackwell GPUs reach: their datasheet peaks grew
   * faster than what serving kernels get of them (1: the same share). Other architectures take 1.
   */
  hopperComputeScale: number;
  /** The same for the routed experts' grouped GEMMs, when each expert gets many tokens. */
  moeComputeEfficiency: number;
  /**
   * Tokens per expert at which the grouped GEMMs reach half of `moeComputeEfficiency`: with few tokens
   * per expert (many experts, a small batch) each expert's GEMM is a thin, inefficient one.
   */
  expertTokensAtHalfEfficiency: number;
  /** The experts' kernels by weight format, against 16-bit ones: MXFP4 (gpt-oss) and block FP8. */
  mxfp4ExpertScale: number;
  fp8ExpertScale: number;
  /** Fixed cost per layer per step: kernel launches and the floors of small kernels. */
  layerSeconds: number;
  /** Extra fixed cost per MoE layer per step: routing, permutation, the grouped GEMM's setup. */
  moeLayerSeconds: number;
  /**
   * Extra cost per layer of a step bigger than the engine's CUDA-graph size, which launches each of the
   * layer's kernels from the host instead of replaying a graph.
   */
  eagerLayerSeconds: number;
  /** Fixed cost per step: scheduling, sampling, detokenising. */
  stepSeconds: number;
  /**
   * Host (CPU) cost per running sequence per step, serial with the GPU work: the scheduler's
   * per-request bookkeeping (vLLM V1 Scheduler.schedule / update_from_output, SGLang's
   * ScheduleBatch), building the step's input tensors, the sampler's per-request parameters and
   * the incremental detokeniser and output stream of every request. Negligible at batch 1,
   * tens of milliseconds a step at a thousand requests.
   */
  sequenceSeconds: number;
  /**
   * Of a burst benchmark (N prompts sent at once), the share of the steady-state rate its mean
   * output throughput reaches: the batch drains as requests finish (the tail) and the first
   * steps carry only prompts.
   */
  burstEfficiency: number;
  /** Benchmark ids (test/fixtures/benchmarks/) the constants were fitted to. */
  fittedTo: readonly string[];
  /** How they were fitted, in a sentence. */
  source: string;
}

/**
 * NCCL all-reduce latency of a small message (nccl-tests all_reduce_perf, 8 B–64 KB sizes, the
 * latency floor): ~10 µs inside an NVLink/xGMI node, ~25 µs over PCIe, ~20 µs more between
 * nodes over InfiniBand. The bandwidth term uses the catalog's per-direction link bandwidth.
 */
export const COLLECTIVE_LATENCY_S = { nvlink: 10e-6, xgmi: 12e-6, pcie: 25e-6, interNode: 30e-6 } as const;
/**
 * Per-GPU bandwidth between nodes: one 400 Gb/s NDR InfiniBand port per GPU (NVIDIA DGX H100:
 * "8x single-port ConnectX-7 400Gb/s InfiniBand/Ethernet"), 50 GB/s per direction.
 */
export const INTER_NODE_GBS = 50;
/**
 * Host memory bandwidth for layers llama.cpp keeps in CPU RAM: dual-channel DDR4-3200 peak
 * 51.2 GB/s (2 × 8 B × 3200 MT/s) at the engine's bandwidth efficiency.
 */
export const HOST_RAM_BANDWIDTH_GBS = 51.2;

/** One engine instance, as numbers: what a step reads, computes and exchanges. */
export interface PerfShape {
  gpu: Pick<Gpu, 'memoryBandwidthGBs' | 'bf16Tflops' | 'fp8Tflops' | 'interconnect' | 'architecture'>;
  /** FP8 tensor cores run the GEMMs (the quantization computes natively in FP8 on this GPU). */
  fp8Compute: boolean;
  /** Attention tensor-parallel ranks of one data-parallel rank. */
  tp: number;
  pp: number;
  /** Attention data-parallel ranks in the instance (vLLM --data-parallel-size, SGLang --dp-size). */
  dp: number;
  /** GPUs the routed experts are split over (dp × tp when the ranks share them, else tp). */
  expertShards: number;
  /** Experts move tokens by all-to-all (expert parallel) instead of being tensor-sharded. */
  expertParallel: boolean;
  /** The instance spans more than one node (its collectives cross InfiniBand). */
  multiNode: boolean;
  layers: number;
  moeLayers: number;
  hiddenSize: number;
  /** The experts' weight format, for its kernels' efficiency. */
  expertFormat: 'mxfp4' | 'fp8' | 'other';
  /** Routed experts and how many a token picks; null for dense models. */
  experts: { count: number; perToken: number } | null;
  /** Non-expert weight bytes one column of GPUs (one per stage) reads every step, per GPU summed over stages. */
  denseBytes: number;
  /** Routed-expert bytes one column holds, per GPU summed over stages. */
  expertBytes: number;
  /** Weight bytes read from host RAM every step (llama.cpp layers left on the CPU). */
  hostBytes: number;
  /** Non-expert parameters a token computes with, whole model. */
  denseActiveParams: number;
  /** Routed-expert parameters a token computes with (its k experts), whole model. */
  expertActiveParams: number;
  /** KV bytes per token of context that one column reads (per GPU, summed over stages). */
  kvBytesPerToken: number;
  /** Fixed per-sequence state one column reads and writes each step (hybrids). */
  stateBytesPerSequence: number;
  /** Attention FLOPs per new token per token of context, whole model (QKᵀ and PV). */
  attentionFlopsPerContextToken: number;
  /** The largest step (tokens per rank) the engine replays as a CUDA graph (EngineFit.cudaGraphMaxTokens). */
  graphTokens: number;
  /** The most prompt tokens a step carries (vLLM max_num_batched_tokens, SGLang chunked_prefill_size, llama.cpp's batch). */
  prefillChunkTokens: number;
}

export interface Workload {
  /** Sequences decoding together in the instance (all data-parallel ranks). */
  batch: number;
  inputLen: number;
  outputLen: number;
}

export type Bound = 'memory' | 'compute' | 'overhead' | 'host-memory';

export interface StepEstimate {
  seconds: number;
  bound: Bound;
  weightBytes: number;
  kvBytes: number;
  memorySeconds: number;
  computeSeconds: number;
  fixedSeconds: number;
  /** Of the fixed time: the layers launched without a CUDA graph, and the running requests' host work. */
  eagerSeconds: number;
  sequenceSeconds: number;
  commSeconds: number;
  hostSeconds: number;
  /** The pipeline bubble `seconds` includes (1 without pipeline stages). */
  bubble: number;
}

export interface PerfEstimate {
  batch: number;
  ttftSeconds: number;
  tpotSeconds: number;
  perSequenceTokensPerSecond: number;
  /** Output tokens/s of the instance with `batch` requests in flight, each request from prompt to last token. */
  outputTokensPerSecond: number;
  /** Requests/s the instance completes at this batch. */
  requestsPerSecond: number;
  bound: Bound;
  formula: string;
}

/**
 * Experts a layer reads when `tokens` tokens each pick k of E at random:
 * E × (1 − (1 − k/E)^tokens). One token reads k; a large batch reads them all.
 */
export function expertsTouched(experts: number, perToken: number, tokens: number): number {
  return experts * (1 - (1 - perToken / experts) ** tokens);
}

/** Attention FLOPs per new token per cached token, whole model: 2 × (QKᵀ width + PV width) per attention layer. */
export function attentionFlopsPerContextToken(arch: Architecture, attentionLayers: number): number {
  const a = arch.attention;
  // MLA decodes in the latent space (weight absorption): scores over kv_lora_rank + rope, values over kv_lora_rank.
  const width = a.kind === 'mla' ? a.heads * (2 * a.kvLoraRank + a.qkRopeHeadDim) : 2 * a.heads * a.headDim;
  return 2 * width * attentionLayers;
}

/** The compute a step gets: the datasheet peak of its GEMMs' precision, scaled by the generation's achievable share. */
export type ExpertFormat = PerfShape['expertFormat'];

/** The experts' weight format as their kernels tell them apart: MXFP4 (gpt-oss), FP8 (block-scaled checkpoints), the rest. */
export function expertFormatOf(quantizationId: string): ExpertFormat {
  return quantizationId === 'mxfp4' || quantizationId === 'mxfp4-moe' ? 'mxfp4' : quantizationId === 'fp8' ? 'fp8' : 'other';
}

/** An engine's expert-kernel efficiency for that format, against its 16-bit kernels. */
export function expertFormatScale(c: PerfConstants, format: ExpertFormat): number {
  return format === 'mxfp4' ? c.mxfp4ExpertScale : format === 'fp8' ? c.fp8ExpertScale : 1;
}

/** FLOP/s a step gets: the datasheet peak of its GEMMs' precision, scaled by the generation's achievable share. */
export function peakFlops(gpu: PerfShape['gpu'], fp8Compute: boolean, c: PerfConstants): number {
  const peak = fp8Compute && gpu.fp8Tflops ? gpu.fp8Tflops : gpu.bf16Tflops;
  // Blackwell has one published measurement in the corpus: it takes Hopper's scale.
  const scale = gpu.architecture === 'hopper' || gpu.architecture === 'blackwell' ? c.hopperComputeScale : 1;
  return peak * 1e12 * scale;
}

/** One collective of `bytes` per GPU over the instance's link (ring: 2(n−1)/n of the bytes cross each link). */
function collectiveSeconds(shape: PerfShape, bytes: number, ranks: number): number {
  if (ranks <= 1) return 0;
  const link = shape.multiNode ? INTER_NODE_GBS : shape.gpu.interconnect.bandwidthGBs;
  const latency = COLLECTIVE_LATENCY_S[shape.gpu.interconnect.kind] + (shape.multiNode ? COLLECTIVE_LATENCY_S.interNode : 0);
  return latency + (bytes * (2 * (ranks - 1))) / ranks / (link * 1e9);
}

/**
 * One step of a pipeline-stage column processing `tokens` new tokens for `sequences` sequences (per
 * attention rank) at `context` tokens of context each, while the instance as a whole feeds
 * `instanceTokens` tokens to the experts.
 */
export function stepTime(shape: PerfShape, c: PerfConstants, sequences: number, tokens: number, instanceTokens: number, context: number, eagerShare?: number): StepEstimate {
  const e = shape.experts;
  // Routed experts: the share of them the step's tokens touch (all of the instance's tokens meet every expert shard).
  const expertShare = e ? expertsTouched(e.count, e.perToken, instanceTokens) / e.count : 0;
  const weightBytes = shape.denseBytes + shape.expertBytes * expertShare;
  const kvBytes = shape.kvBytesPerToken * sequences * context + shape.stateBytesPerSequence * sequences;
  const memorySeconds = (weightBytes + kvBytes) / (shape.gpu.memoryBandwidthGBs * 1e9 * c.bandwidthEfficiency);
  const peak = peakFlops(shape.gpu, shape.fp8Compute, c);
  const denseFlops = (2 * shape.denseActiveParams * tokens + shape.attentionFlopsPerContextToken * tokens * context) / shape.tp;
  const expertFlops = (2 * shape.expertActiveParams * instanceTokens) / shape.expertShards;
  const tokensPerExpert = e ? (instanceTokens * e.perToken) / e.count : 0;
  const moeEfficiency = (expertFormatScale(c, shape.expertFormat) * c.moeComputeEfficiency * tokensPerExpert) / (tokensPerExpert + c.expertTokensAtHalfEfficiency);
  const computeSeconds = denseFlops / (peak * c.computeEfficiency) + (expertFlops > 0 ? expertFlops / (peak * moeEfficiency) : 0);
  // A step replays a CUDA graph only when its tokens fit the engine's graph size: `eagerShare` of the steps do not.
  const eagerSeconds = (eagerShare ?? (tokens > shape.graphTokens ? 1 : 0)) * shape.layers * c.eagerLayerSeconds;
  const sequenceSeconds = sequences * c.sequenceSeconds;
  const fixedSeconds = shape.layers * c.layerSeconds + shape.moeLayers * c.moeLayerSeconds + eagerSeconds + c.stepSeconds + sequenceSeconds;
  // Two all-reduces per layer over the attention TP group (attention output, MLP output) of 16-bit activations.
  let commSeconds = 2 * shape.layers * collectiveSeconds(shape, tokens * shape.hiddenSize * 2, shape.tp);
  if (e && shape.expertShards > shape.tp) {
    // Experts shared across data-parallel ranks, per MoE layer: every rank gathers every rank's tokens and
    // reduce-scatters the outputs, 16 bit both ways. With expert parallel the engines' default all-to-all does
    // the same (vLLM all2all_backend "allgather_reducescatter", vllm/config/parallel.py; DeepEP is opt-in),
    // so expert parallel costs and saves nothing here; its kernels' own gain is unmeasured in the corpus.
    const perToken = 2 * shape.dp * shape.hiddenSize * 2;
    commSeconds += shape.moeLayers * collectiveSeconds(shape, tokens * perToken, shape.expertShards);
  }
  const hostSeconds = shape.hostBytes / (HOST_RAM_BANDWIDTH_GBS * 1e9 * c.bandwidthEfficiency);
  const seconds = Math.max(memorySeconds, computeSeconds) + fixedSeconds + commSeconds + hostSeconds;
  const bound: Bound =
    hostSeconds > Math.max(memorySeconds, computeSeconds, fixedSeconds)
      ? 'host-memory'
      : fixedSeconds + commSeconds > Math.max(memorySeconds, computeSeconds)
        ? 'overhead'
        : computeSeconds > memorySeconds
          ? 'compute'
          : 'memory';
  return { seconds, bound, weightBytes, kvBytes, memorySeconds, computeSeconds, fixedSeconds, eagerSeconds, sequenceSeconds, commSeconds, hostSeconds, bubble: 1 };
}

/**
 * Time per output token with `batch` sequences in flight. With continuous batching each step also
 * prefills the prompts of the requests that join: over a request's life of `outputLen` steps the
 * other B − 1 requests bring (B − 1) × inputLen / outputLen prompt tokens per step.
 *
 * Pipeline stages run m = min(pp, batch) micro-batches. A decode round waits for the last stage, so
 * every sequence gets one token per (m + pp − 1) stage-times of its micro-batch: the GPipe bubble.
 * vLLM's and SGLang's schedulers overlap some of it; no PP measurement in the corpus says how much,
 * so gpuplan charges all of it (the safe side).
 */
export function decodeStep(shape: PerfShape, c: PerfConstants, w: Workload, prefillInterleaved = true): StepEstimate {
  const perRank = w.batch / shape.dp;
  const interleaved = prefillInterleaved && w.batch > 1 ? ((w.batch - 1) / w.batch) * (w.inputLen / Math.max(1, w.outputLen)) : 0;
  const context = w.inputLen + w.outputLen / 2;
  const microBatches = Math.max(1, Math.min(shape.pp, Math.floor(perRank)));
  const sequences = perRank / microBatches;
  // Decode steps of up to the graph size replay a CUDA graph; a step that also starts a request carries its
  // prompt (in chunks of prefillChunkTokens) and runs without one. (B − 1) / output requests start per step.
  const starts = interleaved > 0 ? ((w.batch - 1) / Math.max(1, w.outputLen)) * Math.ceil(w.inputLen / shape.prefillChunkTokens) : 0;
  const eagerShare = sequences > shape.graphTokens ? 1 : Math.min(1, starts);
  const step = stepTime(shape, c, sequences, sequences * (1 + interleaved), (w.batch / microBatches) * (1 + interleaved), context, eagerShare);
  if (shape.pp === 1) return step;
  const bubble = (microBatches + shape.pp - 1) / shape.pp;
  return { ...step, seconds: step.seconds * bubble, bubble };
}

/**
 * The largest batch whose decode steps replay a CUDA graph (decodeStep: a rank's micro-batch of up to
 * `graphTokens` sequences); one more runs eagerly, and throughput drops there.
 */
export function graphBatchLimit(shape: PerfShape): number {
  return shape.graphTokens * shape.dp * Math.max(1, shape.pp);
}

/** Prefill of one prompt of `tokens` tokens on an otherwise idle instance (compute-bound beyond a few hundred tokens). */
export function prefillSeconds(shape: PerfShape, c: PerfConstants, tokens: number): StepEstimate {
  // Attention over the prompt itself: each token sees half the prompt on average.
  return stepTime(shape, c, 1, Math.max(1, tokens), Math.max(1, tokens), tokens / 2);
}

/** TPOT, TTFT and throughput of one instance running `batch` requests of the workload at once. */
export function estimatePerf(shape: PerfShape, c: PerfConstants, w: Workload): PerfEstimate {
  return perfAfterPrefill(shape, c, w, prefillSeconds(shape, c, w.inputLen));
}

/**
 * estimatePerf with the prompt's prefill, `prefillSeconds(shape, c, w.inputLen)`, computed once by the caller:
 * it does not depend on the batch, and the search asks many batches of one shape.
 */
export function perfAfterPrefill(shape: PerfShape, c: PerfConstants, w: Workload, prefill: StepEstimate): PerfEstimate {
  const step = decodeStep(shape, c, w);
  // The first token waits for the prompt's prefill and, under load, for the step in progress.
  const ttftSeconds = prefill.seconds + (w.batch > 1 ? step.seconds : 0);
  const tpotSeconds = step.seconds;
  const requestSeconds = ttftSeconds + Math.max(0, w.outputLen - 1) * tpotSeconds;
  const requestsPerSecond = w.batch / requestSeconds;
  return {
    batch: w.batch,
    ttftSeconds,
    tpotSeconds,
    perSequenceTokensPerSecond: 1 / tpotSeconds,
    outputTokensPerSecond: requestsPerSecond * w.outputLen,
    requestsPerSecond,
    bound: step.bound,
    get formula() {
      return describeStep(shape, c, w, step, prefill);
    },
  };
}

/**
 * Mean output throughput of a burst benchmark: `prompts` requests sent at once to an instance that
 * runs at most `maxBatch` of them. At its steady state the instance decodes that batch while it
 * prefills the prompts of the requests that replace finished ones (decodeStep's interleaved
 * prefill). As the batch drains at the end (and fills at the start), the steps' weight reads and
 * fixed costs stay while their tokens thin out: `burstEfficiency` is the measured share of those
 * terms' rate the drain leaves; compute shrinks with the batch and is not discounted.
 */
export function burstThroughput(shape: PerfShape, c: PerfConstants, prompts: number, maxBatch: number, inputLen: number, outputLen: number): number {
  const batch = Math.max(1, Math.min(prompts, maxBatch));
  const s = decodeStep(shape, c, { batch, inputLen, outputLen });
  const e = c.burstEfficiency;
  const seconds = (Math.max(s.memorySeconds / e, s.computeSeconds) + (s.fixedSeconds + s.commSeconds + s.hostSeconds) / e) * s.bubble;
  return batch / seconds;
}

function ms(seconds: number): string {
  return `${(seconds * 1e3).toFixed(seconds < 0.01 ? 2 : 1)} ms`;
}

function describeStep(shape: PerfShape, c: PerfConstants, w: Workload, step: StepEstimate, prefill: StepEstimate): string {
  const bw = `${shape.gpu.memoryBandwidthGBs} GB/s × ${c.bandwidthEfficiency}`;
  const parts = [
    `TPOT = max(memory ${ms(step.memorySeconds)} [(weights ${(step.weightBytes / 1e9).toFixed(2)} GB + KV ${(step.kvBytes / 1e9).toFixed(2)} GB) / ${bw}]`,
    `compute ${ms(step.computeSeconds)})`,
    `+ fixed ${ms(step.fixedSeconds)} [${shape.layers} layers × ${(c.layerSeconds * 1e6).toFixed(0)} µs${shape.moeLayers ? ` + ${shape.moeLayers} MoE × ${(c.moeLayerSeconds * 1e6).toFixed(0)} µs` : ''}${step.eagerSeconds > 0 ? ` + no CUDA graph above ${shape.graphTokens} tokens ${ms(step.eagerSeconds)}` : ''} + step ${ms(c.stepSeconds)}${step.sequenceSeconds > 0 ? ` + requests' host work ${ms(step.sequenceSeconds)}` : ''}]`,
  ];
  if (step.commSeconds > 0) parts.push(`+ collectives ${ms(step.commSeconds)}`);
  if (step.hostSeconds > 0) parts.push(`+ host RAM ${ms(step.hostSeconds)}`);
  return `${parts.join(' ')} = ${ms(step.seconds)} at batch ${w.batch}; TTFT = prefill of ${w.inputLen} tokens ${ms(prefill.seconds)}${w.batch > 1 ? ' + one step' : ''}`;
}
