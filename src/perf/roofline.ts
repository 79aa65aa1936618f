import type { Architecture } from '../catalog/architecture.js';
import type { Gpu } from '../catalog/schema.js';

/**
 * Share of datasheet memory bandwidth a decode step achieves. Memory-bound GEMV
 * kernels in vLLM/SGLang (CUDA graphs, fused MoE) and llama.cpp reach 60-80% of
 * peak HBM/GDDR bandwidth; gpuplan assumes 70%. Speeds are estimates and say so.
 */
export const BANDWIDTH_EFFICIENCY = 0.7;
/** Share of dense tensor-core peak a prefill (large GEMMs) achieves: ~50% MFU. */
export const COMPUTE_EFFICIENCY = 0.5;
/**
 * Host memory bandwidth for layers llama.cpp keeps in CPU RAM: dual-channel
 * DDR4-3200 peak 51.2 GB/s (2 × 8 B × 3200 MT/s), at the same 70% efficiency.
 */
export const HOST_RAM_BANDWIDTH_GBS = 51.2;
/**
 * Tensor-parallel all-reduce cost per decode step: two all-reduces per layer of
 * hidden_size × 2 B per sequence; at small batch it is latency bound, ~8 µs per
 * all-reduce over NVLink and ~25 µs over PCIe (NCCL ring latency, nccl-tests).
 */
export const ALLREDUCE_LATENCY_S = { nvlink: 8e-6, pcie: 25e-6, xgmi: 10e-6 } as const;

export interface DecodeInput {
  arch: Architecture;
  gpu: Gpu;
  /** Weight bytes of the whole model as stored in GPU memory (all ranks). */
  weightBytes: number;
  /** Weight bytes kept in host RAM (llama.cpp partial offload). */
  hostWeightBytes: number;
  totalParams: number;
  /** Parameters read per token for one sequence (MoE: the chosen experts only). */
  activeParams: number;
  routedExpertParams: number;
  kvBytesPerToken: number;
  context: number;
  concurrency: number;
  tp: number;
  pp: number;
  /** Bits of compute: FP8 tensor cores when the quantization runs natively, else 16-bit. */
  fp8Compute: boolean;
}

export interface PerfEstimate {
  /** Tokens/s one sequence sees when `concurrency` sequences decode together. */
  decodeTokensPerSecond: number;
  /** Tokens/s summed over all sequences. */
  aggregateTokensPerSecond: number;
  prefillSecondsPer1kTokens: number;
  /** What limits decode: memory bandwidth, compute, or host RAM. */
  bound: 'memory' | 'compute' | 'host-memory';
  formula: string;
}

/**
 * Experts a layer reads when `batch` tokens each pick k of E at random:
 * E × (1 − (1 − k/E)^batch). One token reads k; a large batch reads them all.
 */
export function expertsTouched(experts: number, perToken: number, batch: number): number {
  return experts * (1 - (1 - perToken / experts) ** batch);
}

/** Bandwidth roofline for decode, compute roofline for prefill. */
export function estimatePerf(input: DecodeInput): PerfEstimate {
  const { arch, gpu, tp, concurrency } = input;
  // Bytes per parameter over the whole model, wherever each layer lives.
  const bytesPerParam = (input.weightBytes + input.hostWeightBytes) / input.totalParams;
  // Weights read per step: the dense part always, routed experts as far as the batch touches them.
  let readParams = input.activeParams;
  if (arch.moe) {
    const denseParams = input.activeParams - (input.routedExpertParams * arch.moe.expertsPerToken) / arch.moe.routedExperts;
    const touched = expertsTouched(arch.moe.routedExperts, arch.moe.expertsPerToken, concurrency);
    readParams = denseParams + (input.routedExpertParams * touched) / arch.moe.routedExperts;
  }
  const weightRead = readParams * bytesPerParam;
  const hostShare = input.hostWeightBytes / (input.weightBytes + input.hostWeightBytes || 1);
  const kvRead = input.kvBytesPerToken * input.context * concurrency;
  const gpuBandwidth = gpu.memoryBandwidthGBs * 1e9 * BANDWIDTH_EFFICIENCY;
  // TP ranks read their shards in parallel; PP stages run one after another, so a
  // step reads everything at the speed of TP GPUs.
  const gpuSeconds = (weightRead * (1 - hostShare) + kvRead) / tp / gpuBandwidth;
  const hostSeconds = (weightRead * hostShare) / (HOST_RAM_BANDWIDTH_GBS * 1e9 * BANDWIDTH_EFFICIENCY);
  const allReduce = tp > 1 ? 2 * arch.layers * ALLREDUCE_LATENCY_S[gpu.interconnect.kind] : 0;
  const tflops = (input.fp8Compute && gpu.fp8Tflops ? gpu.fp8Tflops : gpu.bf16Tflops) * 1e12 * COMPUTE_EFFICIENCY;
  const computeSeconds = (2 * input.activeParams * concurrency) / (tflops * tp);
  const memorySeconds = gpuSeconds + hostSeconds + allReduce;
  const step = Math.max(memorySeconds, computeSeconds);
  const bound = computeSeconds > memorySeconds ? 'compute' : hostSeconds > gpuSeconds ? 'host-memory' : 'memory';
  const prefillSecondsPer1kTokens = (2 * input.activeParams * 1000) / (tflops * tp);
  return {
    decodeTokensPerSecond: 1 / step,
    aggregateTokensPerSecond: concurrency / step,
    prefillSecondsPer1kTokens,
    bound,
    // Built on demand: the planner estimates hundreds of candidates and prints a few.
    get formula() {
      return (
        `step = max((weights read ${(weightRead / 1e9).toFixed(2)} GB + KV ${(kvRead / 1e9).toFixed(2)} GB) / ` +
        `(TP ${tp} × ${gpu.memoryBandwidthGBs} GB/s × ${BANDWIDTH_EFFICIENCY})` +
        (hostSeconds > 0 ? ` + host ${((weightRead * hostShare) / 1e9).toFixed(1)} GB / (${HOST_RAM_BANDWIDTH_GBS} GB/s × ${BANDWIDTH_EFFICIENCY})` : '') +
        (allReduce > 0 ? ` + all-reduce ${(allReduce * 1e3).toFixed(2)} ms` : '') +
        `, 2 × active params × batch / compute)`
      );
    },
  };
}

/** Dollars per million generated tokens at the aggregate decode rate. */
export function costPerMillionTokens(costPerHour: number, aggregateTokensPerSecond: number): number {
  return costPerHour / ((aggregateTokensPerSecond * 3600) / 1e6);
}
