import { MiB } from './units.js';

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
