import { thousands } from './units.js';
import type { Architecture } from '../catalog/architecture.js';

/**
 * Mixed-precision Adam bytes per parameter (Rajbhandari et al. 2020, "ZeRO", §3.1):
 * 16-bit weights 2 + 16-bit gradients 2 + FP32 master weights 4 + Adam first and
 * second moments in FP32 4 + 4 = 16 bytes.
 */
export const ADAM_MIXED_PRECISION = { weights: 2, gradients: 2, master: 4, moments: 8 } as const;

export type ZeroStage = 0 | 1 | 2 | 3;

export interface TrainingStateTerm {
  name: string;
  bytes: number;
  formula: string;
}

/**
 * Model states per GPU for a full fine-tune with mixed-precision Adam, partitioned
 * by ZeRO over `dp` data-parallel ranks: stage 1 shards the optimizer states
 * (master + moments), stage 2 also the gradients, stage 3 also the weights.
 */
export function fullFineTuneStates(params: number, zero: ZeroStage, dp: number): TrainingStateTerm[] {
  const n = Math.max(1, dp);
  const share = (stage: number) => (zero >= stage ? n : 1);
  const term = (name: string, bytesPerParam: number, stage: number, what: string): TrainingStateTerm => {
    const divisor = share(stage);
    return {
      name,
      bytes: Math.ceil((params * bytesPerParam) / divisor),
      formula: `${thousands(params)} params × ${bytesPerParam} B (${what})${divisor > 1 ? ` / ${divisor} GPUs (ZeRO-${zero})` : ''}`,
    };
  };
  return [
    term('weights', ADAM_MIXED_PRECISION.weights, 3, '16-bit weights'),
    term('gradients', ADAM_MIXED_PRECISION.gradients, 2, '16-bit gradients'),
    term('master weights', ADAM_MIXED_PRECISION.master, 1, 'FP32 master copy'),
    term('optimizer', ADAM_MIXED_PRECISION.moments, 1, 'Adam m and v in FP32'),
  ];
}

/**
 * LoRA adapter parameters: rank r on every linear layer of attention and MLP
 * (q, k, v, o, gate, up, down; the QLoRA paper's "all linear layers"), each adding
 * r × (in + out). MoE experts get an adapter each.
 */
export function loraParams(arch: Architecture, rank: number): number {
  const h = arch.hiddenSize;
  const adapter = (inDim: number, outDim: number) => rank * (inDim + outDim);
  const a = arch.attention;
  const attention =
    a.kind === 'mla'
      ? (a.qLoraRank === null ? adapter(h, a.heads * (a.qkNopeHeadDim + a.qkRopeHeadDim)) : adapter(h, a.qLoraRank) + adapter(a.qLoraRank, a.heads * (a.qkNopeHeadDim + a.qkRopeHeadDim))) +
        adapter(h, a.kvLoraRank + a.qkRopeHeadDim) +
        adapter(a.kvLoraRank, a.heads * (a.qkNopeHeadDim + a.vHeadDim)) +
        adapter(a.heads * a.vHeadDim, h)
      : adapter(h, a.heads * a.headDim) + 2 * adapter(h, a.kvHeads * a.headDim) + adapter(a.heads * a.headDim, h);
  const mlp = (intermediate: number) => 3 * adapter(h, intermediate);
  const moe = arch.moe;
  const moeLayers = moe?.moeLayers ?? 0;
  const moeMlp = moe ? moe.routedExperts * mlp(moe.expertIntermediateSize) + (moe.sharedExpertIntermediateSize > 0 ? mlp(moe.sharedExpertIntermediateSize) : 0) : 0;
  return arch.layers * attention + (arch.layers - moeLayers) * mlp(arch.denseIntermediateSize) + moeLayers * moeMlp;
}

/** Trainable LoRA parameters carry the full mixed-precision Adam state (16 B each). */
export function loraStates(trainable: number): TrainingStateTerm {
  const perParam = Object.values(ADAM_MIXED_PRECISION).reduce((s, b) => s + b, 0);
  return {
    name: 'adapter + optimizer',
    bytes: trainable * perParam,
    formula: `${thousands(trainable)} LoRA params × ${perParam} B (weights, gradients, FP32 master, Adam m and v)`,
  };
}
