import type { Architecture, LinearMixer } from '../catalog/architecture.js';
import { stageLayers } from './kvcache.js';
import { thousands } from './units.js';

/** Bytes per element of a linear layer's two states, as an engine allocates them. */
export interface StateDtypes {
  conv: number;
  recurrent: number;
  /** Where the engine's choice is made, for the formula. */
  source: string;
}

export interface StateLayout {
  /** Bytes of one layer's convolution window and recurrent state for one sequence on one GPU. */
  convPerLayerPerGpu: number;
  recurrentPerLayerPerGpu: number;
  /** Bytes of one linear layer's state for one sequence on one GPU (the two above). */
  perLayerPerGpu: number;
  /** Linear layers in the model, and on the fullest pipeline stage. */
  linearLayers: number;
  layersPerGpu: number;
  /** Bytes of the whole model's state for one sequence with no parallelism (`estimate --json` stateBytesPerSequence). */
  perSequence: number;
  /** Bytes one sequence's state takes on the fullest GPU. */
  perSequencePerGpu: number;
  formula: string;
}

/**
 * Mamba-2's B/C groups over TP ranks: they divide TP, or a single group is replicated so every
 * rank has one (vLLM mamba_utils.py extra_groups_for_head_shards adds tp − 1;
 * engines/common.ts refuses any other split).
 */
function groupsPerTp(groups: number, tp: number): number {
  return groups % tp === 0 ? groups : tp;
}

/**
 * One layer's state shapes for one sequence on one of `tp` ranks, as vLLM's
 * MambaStateShapeCalculator computes them (vllm/model_executor/layers/mamba/mamba_utils.py);
 * SGLang (configs/mamba_utils.py) and llama.cpp (llama-hparams.cpp n_embd_r / n_embd_s) hold the
 * same elements:
 * - Gated DeltaNet: conv (kernel − 1) × (2 key_dim + value_dim), recurrent value_heads × key_head_dim × value_head_dim.
 * - Kimi Delta: three convs (q, k, v) of (kernel − 1) × heads × head_dim, recurrent heads × head_dim².
 * - Mamba-2: conv (kernel − 1) × (inner + 2 groups × state), recurrent heads × head_dim × state.
 * TP splits channels and heads.
 */
export function linearStateElements(m: LinearMixer, tp = 1): { conv: number; recurrent: number } {
  const window = m.convKernel - 1;
  if (m.kind === 'gated-deltanet') {
    const channels = 2 * m.keyHeads * m.keyHeadDim + m.valueHeads * m.valueHeadDim;
    return { conv: (window * channels) / tp, recurrent: (m.valueHeads / tp) * m.keyHeadDim * m.valueHeadDim };
  }
  if (m.kind === 'kimi-delta') {
    return { conv: (3 * window * m.heads * m.headDim) / tp, recurrent: (m.heads / tp) * m.headDim * m.headDim };
  }
  const channels = m.heads * m.headDim + 2 * groupsPerTp(m.groups, tp) * m.stateSize;
  return { conv: (window * channels) / tp, recurrent: (m.heads / tp) * m.headDim * m.stateSize };
}

/** The per-sequence state of a hybrid's linear layers (null for a model without them). */
export function stateLayout(arch: Architecture, dtypes: StateDtypes, tp = 1, pp = 1): StateLayout | null {
  const m = arch.linearMixer;
  if (!m) return null;
  const stages = stageLayers(arch, pp);
  const linearLayers = stages.reduce((sum, s) => sum + s.linear, 0);
  if (linearLayers === 0) return null;
  const layersPerGpu = Math.max(...stages.map((s) => s.linear));
  const { conv, recurrent } = linearStateElements(m, tp);
  const whole = linearStateElements(m, 1);
  const convPerLayerPerGpu = conv * dtypes.conv;
  const recurrentPerLayerPerGpu = recurrent * dtypes.recurrent;
  const perLayerPerGpu = convPerLayerPerGpu + recurrentPerLayerPerGpu;
  const perLayer = whole.conv * dtypes.conv + whole.recurrent * dtypes.recurrent;
  return {
    convPerLayerPerGpu,
    recurrentPerLayerPerGpu,
    perLayerPerGpu,
    linearLayers,
    layersPerGpu,
    perSequence: linearLayers * perLayer,
    perSequencePerGpu: layersPerGpu * perLayerPerGpu,
    formula:
      `${linearLayers} ${m.kind} layers × (conv ${thousands(whole.conv)} × ${dtypes.conv} B + recurrent ${thousands(whole.recurrent)} × ${dtypes.recurrent} B)` +
      ` = ${thousands(linearLayers * perLayer)} B per sequence (${dtypes.source})`,
  };
}

const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, bfloat16: 2, float16: 2 };

/** Bytes of the model's 16-bit dtype (what engines' "auto" state dtypes follow). */
function modelBytes(arch: Architecture): number {
  return arch.storedBits >= 32 ? 4 : 2;
}

/**
 * vLLM (vllm/config/cache.py mamba_cache_dtype and mamba_ssm_cache_dtype, both "auto"):
 * the conv state in the model dtype, the recurrent state the same unless the model says
 * otherwise (Qwen3.5's mamba_ssm_dtype float32, models/config.py
 * Qwen3_5ForConditionalGenerationConfig); Kimi Delta's recurrent state is always fp32
 * (mamba_utils.py kda_state_dtype).
 */
export function vllmStateDtypes(arch: Architecture): StateDtypes {
  const conv = modelBytes(arch);
  const declared = arch.recurrentStateDtype ? DTYPE_BYTES[arch.recurrentStateDtype] : undefined;
  const recurrent = arch.linearMixer?.kind === 'kimi-delta' ? 4 : (declared ?? conv);
  return { conv, recurrent, source: `vLLM: conv in the model dtype, recurrent ${recurrent === 4 ? 'fp32' : 'in the model dtype'}` };
}

/**
 * SGLang (configs/mamba_utils.py mamba2_state_dtype): the conv state bf16
 * (SGLANG_MAMBA_CONV_DTYPE), the recurrent state the model's mamba_ssm_dtype, else float32
 * (server_args mamba_ssm_dtype default).
 */
export function sglangStateDtypes(arch: Architecture): StateDtypes {
  const recurrent = arch.recurrentStateDtype ? (DTYPE_BYTES[arch.recurrentStateDtype] ?? 4) : 4;
  return { conv: 2, recurrent, source: `SGLang: conv bf16, recurrent ${recurrent === 4 ? 'fp32' : '16-bit'}` };
}

/** llama.cpp and Ollama keep both states in f32 (llama-model.cpp create_memory: recurrent_type_r/s GGML_TYPE_F32; Ollama kvcache/recurrent.go). */
export const GGML_STATE_DTYPES: StateDtypes = { conv: 4, recurrent: 4, source: 'llama.cpp: f32 states' };
