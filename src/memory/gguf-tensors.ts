/**
 * Exact bytes of GGUF tensors, from ggml's type traits (ggml/src/ggml.c type_traits:
 * elements per block and bytes per block, the block structs of ggml-common.h), and a
 * WeightLayout built from a file's tensor table instead of a formula (pure).
 */
import { thousands } from './units.js';
import type { WeightLayout } from './weights.js';

/** ggml type id → [elements per block, bytes per block]. */
export const GGML_BLOCKS: Readonly<Record<number, readonly [number, number]>> = {
  0: [1, 4], // F32
  1: [1, 2], // F16
  2: [32, 18], // Q4_0: fp16 d + 16 B
  3: [32, 20], // Q4_1: d, m + 16 B
  6: [32, 22], // Q5_0
  7: [32, 24], // Q5_1
  8: [32, 34], // Q8_0: fp16 d + 32 B
  9: [32, 36], // Q8_1
  10: [256, 84], // Q2_K
  11: [256, 110], // Q3_K
  12: [256, 144], // Q4_K
  13: [256, 176], // Q5_K
  14: [256, 210], // Q6_K
  15: [256, 292], // Q8_K
  16: [256, 66], // IQ2_XXS
  17: [256, 74], // IQ2_XS
  18: [256, 98], // IQ3_XXS
  19: [256, 50], // IQ1_S
  20: [32, 18], // IQ4_NL
  21: [256, 110], // IQ3_S
  22: [256, 82], // IQ2_S
  23: [256, 136], // IQ4_XS
  24: [1, 1], // I8
  25: [1, 2], // I16
  26: [1, 4], // I32
  27: [1, 8], // I64
  28: [1, 8], // F64
  29: [256, 56], // IQ1_M
  30: [1, 2], // BF16
  34: [256, 54], // TQ1_0
  35: [256, 66], // TQ2_0
  39: [32, 17], // MXFP4: e8m0 scale + 16 B
};

export interface TensorInfo {
  name: string;
  shape: readonly number[];
  /** ggml type id. */
  type: number;
}

export function tensorElements(t: TensorInfo): number {
  return t.shape.reduce((n, d) => n * d, 1);
}

/** Bytes a tensor occupies in the file; throws for a type gpuplan has no block size for. */
export function tensorBytes(t: TensorInfo): number {
  const block = GGML_BLOCKS[t.type];
  if (!block) throw new Error(`tensor ${t.name}: ggml type ${t.type} is not known to gpuplan`);
  const [elements, bytes] = block;
  const n = tensorElements(t);
  if (n % elements !== 0) throw new Error(`tensor ${t.name}: ${n} elements are not whole blocks of ${elements}`);
  return (n / elements) * bytes;
}

/**
 * Where a GGUF's bytes sit: `blk.N.*` per decoder layer, `token_embd` (kept on the CPU
 * by llama.cpp), `output.weight` (the lm_head; absent when tied), the rest (norms).
 */
export function ggufWeightLayout(tensors: readonly TensorInfo[], layers: number): WeightLayout {
  const perLayer = new Array<number>(layers).fill(0);
  const experts = new Array<number>(layers).fill(0);
  let embeddings = 0;
  let lmHead = 0;
  let other = 0;
  for (const t of tensors) {
    const bytes = tensorBytes(t);
    const block = /^blk\.(\d+)\./.exec(t.name);
    const index = block ? Number(block[1]) : -1;
    if (index >= 0 && index < layers) {
      perLayer[index] = (perLayer[index] ?? 0) + bytes;
      // Routed experts are stored stacked: ffn_gate_exps / ffn_up_exps / ffn_down_exps (shared ones are ffn_*_shexp).
      if (/\.ffn_(gate|up|down|gate_up)_exps\./.test(t.name)) experts[index] = (experts[index] ?? 0) + bytes;
    } else if (t.name.startsWith('token_embd.')) embeddings += bytes;
    else if (t.name === 'output.weight') lmHead += bytes;
    else other += bytes;
  }
  const total = perLayer.reduce((s, b) => s + b, 0) + embeddings + lmHead + other;
  return {
    layers: perLayer,
    layerExperts: experts,
    embeddings,
    lmHead,
    other,
    total,
    formula: `${thousands(total)} B: the ${tensors.length} tensors of the GGUF header, each elements ÷ block size × block bytes of its ggml type`,
    fromArtifact: true,
  };
}
