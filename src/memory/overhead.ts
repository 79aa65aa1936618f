import type { Gpu } from '../catalog/schema.js';
import { MiB } from './units.js';

/**
 * The share of nvidia-smi's total that CUDA does not report as total memory, for GPUs
 * without a published CUDA figure: the largest gap among the GPUs that have one
 * (catalogs/gpus.yaml cudaTotalBytes; test/fixtures/engine-logs/cuda-total-memory.yaml),
 * the T4's 15,360 MiB against 14.56 GiB, so an unmeasured GPU is never given more
 * memory than a measured one would be.
 */
export const UNMEASURED_CUDA_GAP = 0.0293;

/** Total memory as CUDA reports it: the measured figure, or nvidia-smi's total less the largest measured gap. */
export function cudaTotalBytes(gpu: Gpu): number {
  return gpu.cudaTotalBytes ?? Math.floor(gpu.memoryBytes * (1 - UNMEASURED_CUDA_GAP));
}

/**
 * CUDA context plus PyTorch/cuBLAS workspaces on each GPU before any tensor is
 * allocated. PyTorch's CUDA context alone is 300-500 MiB depending on the GPU and
 * driver (PyTorch "CUDA semantics" notes; vLLM's gpu_worker leaves it inside the
 * 1 − gpu_memory_utilization reserve). gpuplan budgets 512 MiB.
 */
export const CUDA_CONTEXT_BYTES = 512 * MiB;

/**
 * NCCL communicator buffers for tensor/pipeline parallel groups. NCCL allocates
 * NCCL_BUFFSIZE (4 MiB) per channel per peer for each protocol; with the default
 * channel count that comes to a few hundred MiB per rank. gpuplan budgets 256 MiB
 * for a rank in any parallel group.
 */
export const NCCL_BUFFER_BYTES = 256 * MiB;

export interface OverheadTerm {
  bytes: number;
  formula: string;
}

export function runtimeOverhead(tp: number, pp: number): OverheadTerm {
  const parallel = tp * pp > 1;
  return {
    bytes: CUDA_CONTEXT_BYTES + (parallel ? NCCL_BUFFER_BYTES : 0),
    formula: `CUDA context + workspaces 512 MiB${parallel ? ' + NCCL buffers 256 MiB (TP×PP > 1)' : ''}`,
  };
}
