import { modelSupportProblem } from './model-support.js';
import type { Architecture } from '../catalog/architecture.js';
import type { Gpu, Quantization } from '../catalog/schema.js';
import { formatGiB } from '../memory/units.js';
import type { Engine, EngineFit, ModelVariant, ParallelLayout } from './types.js';
import { cannotRun, wontStart, type Verdict } from './verdict.js';
import { weightsPerGpu } from '../memory/weights.js';

const ccValues = new Map<string, number>();

/** "8.0" → 80, cached: the search asks thousands of times. */
function ccValue(cc: string): number {
  let value = ccValues.get(cc);
  if (value === undefined) {
    const [major, minor] = cc.split('.').map(Number);
    value = (major ?? 0) * 10 + (minor ?? 0);
    ccValues.set(cc, value);
  }
  return value;
}

/** True when an NVIDIA GPU's compute capability is at least `cc` ("8.0"). AMD GPUs answer false. */
export function ccAtLeast(gpu: Gpu, cc: string): boolean {
  return gpu.vendor === 'nvidia' && ccValue(gpu.computeCapability) >= ccValue(cc);
}

/**
 * Quantizations vLLM and SGLang run on AMD Instinct (ROCm): 16-bit, FP8 (MI300X has FP8
 * tensor cores), and the AWQ/GPTQ Triton kernels (vLLM docs "Supported Hardware" table
 * in docs/features/quantization/supported_hardware.md).
 */
const ROCM_QUANTS = new Set(['bf16', 'fp16', 'fp32', 'fp8', 'awq-int4', 'gptq-int4', 'gptq-int8', 'int8']);

/** Why a safetensors engine cannot run `quant` on `gpu`, or null when it can. */
export function safetensorsQuantUnsupported(quant: Quantization, gpu: Gpu, engineName: string): string | null {
  if (gpu.vendor === 'amd') {
    return ROCM_QUANTS.has(quant.id) ? null : `${engineName} on ROCm has no ${quant.id} kernels`;
  }
  if (!ccAtLeast(gpu, quant.minComputeCapability)) {
    const hint = quant.id === 'bf16' ? ' (use fp16: --dtype half)' : '';
    return `${quant.id} needs compute capability ≥ ${quant.minComputeCapability}; ${gpu.id} is ${gpu.computeCapability}${hint}`;
  }
  return null;
}

/** The attention heads and KV heads tensor parallelism must split (MLA: every head shares one latent). */
function headCounts(arch: Architecture): { heads: number; kvHeads: number } {
  const heads = arch.attention.heads;
  return { heads, kvHeads: arch.attention.kind === 'gqa' ? arch.attention.kvHeads : heads };
}

/**
 * The one tensor-parallel rule (vLLM and SGLang alike): TP divides the attention heads,
 * and divides or is divided by the KV heads (vLLM QKVParallelLinear replicates KV heads
 * when TP > kv_heads). Null when `tp` is valid, else why not.
 */
export function tensorParallelProblem(arch: Architecture, tp: number): string | null {
  const { heads, kvHeads } = headCounts(arch);
  if (heads % tp !== 0) return `TP ${tp} does not divide the ${heads} attention heads`;
  if (kvHeads % tp !== 0 && tp % kvHeads !== 0) return `TP ${tp} neither divides nor is a multiple of the ${kvHeads} KV heads`;
  return linearTensorParallelProblem(arch, tp);
}

/**
 * A hybrid's linear layers shard their heads over TP too (vLLM mamba_utils.py divide(): Gated
 * DeltaNet key and value heads, Kimi Delta heads, Mamba-2 heads), and Mamba-2's B/C groups must
 * divide TP unless there is one group to replicate (mamba_mixer2.py: "n_groups % tp_size == 0").
 */
function linearTensorParallelProblem(arch: Architecture, tp: number): string | null {
  const m = arch.linearMixer;
  if (!m) return null;
  const sharded: [string, number][] =
    m.kind === 'gated-deltanet'
      ? [
          ['linear key heads', m.keyHeads],
          ['linear value heads', m.valueHeads],
        ]
      : m.kind === 'kimi-delta'
        ? [['Kimi Delta heads', m.heads]]
        : [['Mamba-2 heads', m.heads]];
  for (const [what, count] of sharded) if (count % tp !== 0) return `TP ${tp} does not divide the ${count} ${what}`;
  if (m.kind === 'mamba2' && m.groups !== 1 && m.groups % tp !== 0) return `TP ${tp} does not divide the ${m.groups} Mamba-2 groups`;
  return null;
}

/** Every valid tensor-parallel degree up to `max` (a valid one divides the heads, so none exceeds them). */
export function validTensorParallelDegrees(arch: Architecture, max: number): number[] {
  const out: number[] = [];
  const last = Math.min(max, headCounts(arch).heads);
  for (let tp = 1; tp <= last; tp++) if (tensorParallelProblem(arch, tp) === null) out.push(tp);
  return out;
}

/**
 * Tensor × pipeline splits for engines that shard attention heads (vLLM, SGLang):
 * TP follows `tensorParallelProblem` and stays inside a node; PP takes the rest, with
 * at least one layer per stage. Largest TP first.
 */
export function tensorParallelLayouts(arch: Architecture, gpuCount: number, nodes: number): ParallelLayout[] | string {
  const perNode = gpuCount / nodes;
  if (!Number.isInteger(perNode)) return `${gpuCount} GPUs do not split evenly over ${nodes} nodes`;
  const layouts: ParallelLayout[] = [];
  for (let tp = perNode; tp >= 1; tp--) {
    if (perNode % tp !== 0 || tensorParallelProblem(arch, tp) !== null) continue;
    const pp = gpuCount / tp;
    if (pp > arch.layers) continue;
    layouts.push({ tp, pp });
  }
  if (layouts.length === 0) {
    return `no tensor-parallel degree ≤ ${perNode} divides the ${headCounts(arch).heads} attention heads`;
  }
  return layouts;
}

export function gib(bytes: number): string {
  return formatGiB(bytes);
}

/** Files every rendered plan carries besides the engine's own. */
export const PLAN_FILES = ['PLAN.md', 'plan.json'] as const;

/**
 * Whether a safetensors engine can load the variant: a Hugging Face or local checkpoint
 * in safetensors, or (online quantization) the 16-bit checkpoint it quantizes at load.
 */
export function safetensorsLoadUnsupported(variant: ModelVariant, engine: { name: string; onlineQuantizations: readonly string[] }): string | null {
  if (variant.origin === 'online') {
    return engine.onlineQuantizations.includes(variant.quant.id) ? null : `${engine.name} cannot quantize to ${variant.quant.id} at load time`;
  }
  const source = variant.artifact?.source ?? '';
  if (variant.artifact?.format !== 'safetensors' || !(source.startsWith('hf:') || source.startsWith('file:'))) {
    return `${engine.name} loads Hugging Face safetensors checkpoints, not ${source || 'this artifact'}`;
  }
  return null;
}

/**
 * The flags that make vLLM or SGLang quantize a 16-bit checkpoint at load time
 * (`--quantization fp8`, `--quantization bitsandbytes`) or run it in fp16 on GPUs
 * without bf16 (`--dtype half`). Published artifacts need none: both engines read
 * the quantization from the checkpoint's config.json.
 */
export const ONLINE_QUANTIZATION_FLAGS: Readonly<Record<string, { flag: 'quantization' | 'dtype'; value: string }>> = {
  fp8: { flag: 'quantization', value: 'fp8' },
  'bnb-nf4': { flag: 'quantization', value: 'bitsandbytes' },
  fp16: { flag: 'dtype', value: 'half' },
};

export function onlineQuantizationSettings(variant: ModelVariant): Record<string, string> {
  if (variant.origin !== 'online') return {};
  const { flag, value } = ONLINE_QUANTIZATION_FLAGS[variant.quant.id] ?? { flag: 'quantization', value: variant.quant.id };
  return { [flag]: value };
}

/** The load-time quantization a vLLM/SGLang launch asks for (`--dtype float16` is `half`), or null. */
export function onlineQuantizationOf(flag: (name: 'quantization' | 'dtype') => string | null): string | null {
  const read = (name: 'quantization' | 'dtype') => (name === 'dtype' && flag(name) === 'float16' ? 'half' : flag(name));
  return Object.entries(ONLINE_QUANTIZATION_FLAGS).find(([, f]) => read(f.flag) === f.value)?.[0] ?? null;
}

/** What a safetensors engine's fit always says: everything on the GPUs, the checkpoint on disk. */
export function allOnGpu(variant: ModelVariant): { hostWeightBytes: 0; hostRamBytes: 0; diskBytes: number; gpuLayers: null } {
  return { hostWeightBytes: 0, hostRamBytes: 0, diskBytes: variant.artifact?.bytes ?? Math.ceil(variant.layout.total), gpuLayers: null };
}

/** Whole non-negative bytes, rounded up: what the JSON contract promises. */
export function wholeBytes(n: number): number {
  return Math.max(0, Math.ceil(n));
}

/** An engine's per-GPU table in whole bytes, capacity defaulting to the GPU's memory. */
export function roundedPerGpu(fit: EngineFit, gpuMemory: number): { weights: number; kvCache: number; activations: number; overhead: number; total: number; capacity: number } {
  const p = fit.perGpu;
  return {
    weights: wholeBytes(p.weights),
    kvCache: wholeBytes(p.kvCache),
    activations: wholeBytes(p.activations),
    overhead: wholeBytes(p.overhead),
    total: wholeBytes(p.total),
    capacity: wholeBytes(p.capacity ?? gpuMemory),
  };
}

/** What stops an engine from running a variant on any GPU: the model, the weights it refuses, loading them. */
interface VariantProblems {
  model: string | null;
  refused: Verdict | null;
  load: string | null;
}

/**
 * Per engine and variant, once: the search asks for every hardware shape, and reading the engine's model
 * registry and the weights' hub reference each time cost more than the layouts themselves.
 */
const variantProblems = new WeakMap<Engine, WeakMap<ModelVariant, VariantProblems>>();

function problemsOf(engine: Engine, variant: ModelVariant): VariantProblems {
  let byVariant = variantProblems.get(engine);
  if (!byVariant) {
    byVariant = new WeakMap();
    variantProblems.set(engine, byVariant);
  }
  let problems = byVariant.get(variant);
  if (!problems) {
    problems = { model: modelSupportProblem(engine, variant), refused: engine.refusal(variant), load: engine.loadUnsupported(variant) };
    byVariant.set(variant, problems);
  }
  return problems;
}

/**
 * The layouts an engine can run a variant in on these GPUs, or why it cannot run it at
 * all: the model, its kernels for the quantization, then loading the weights, then a layout.
 */
export function runnableLayouts(engine: Engine, variant: ModelVariant, gpu: Gpu, gpuCount: number, nodes: number): ParallelLayout[] | Verdict {
  const problems = problemsOf(engine, variant);
  if (problems.model) return cannotRun('model-unsupported', problems.model);
  const quantProblem = engine.unsupported(variant.quant, gpu, variant);
  if (quantProblem) return cannotRun('quantization-unsupported', quantProblem);
  if (problems.refused) return problems.refused;
  if (problems.load) return cannotRun('weights-source-unsupported', problems.load);
  const layouts = engine.layouts(variant.arch, gpu, gpuCount, nodes);
  return typeof layouts === 'string' ? cannotRun('layout-unsupported', layouts) : layouts;
}

/** Whether the engine loads these weights and does not refuse them (its kernels on a GPU and the model's support aside). */
export function servesWeights(engine: Engine, variant: ModelVariant): boolean {
  const problems = problemsOf(engine, variant);
  return problems.refused === null && problems.load === null;
}

/**
 * Whether the engine takes these weights on this GPU (loading them, its refusals, its kernels), the model's support
 * aside: the search skips a variant made at load where the engine takes its published twin, whose own rejection
 * then says what there is to say (a model the release does not load included).
 */
export function takesWeights(engine: Engine, variant: ModelVariant, gpu: Gpu): boolean {
  return servesWeights(engine, variant) && engine.unsupported(variant.quant, gpu, variant) === null;
}

/**
 * Online FP8/INT8 load the 16-bit checkpoint whole before quantizing it (vLLM and SGLang
 * Fp8LinearMethod: 16-bit parameters, process_weights_after_loading): the verdict when that
 * share of the checkpoint does not fit one GPU beside the CUDA context, else null.
 */
export function loadPeakVerdict(variant: ModelVariant, tp: number, pp: number, gpuTotal: number, alsoResident: number): Verdict | null {
  if (!variant.loadLayout) return null;
  const load = weightsPerGpu(variant.loadLayout, tp, pp);
  if (load + alsoResident <= gpuTotal) return null;
  return wontStart(
    'load-peak-exceeds-memory',
    `${variant.quant.id} is made at load time from the 16-bit checkpoint, whose ${gib(load)} share per GPU does not fit ${gib(gpuTotal)}; use a published ${variant.quant.id} checkpoint or more GPUs`,
    'torch.OutOfMemoryError: CUDA out of memory (while loading the 16-bit weights)',
  );
}
