/**
 * What the engines that serve Hugging Face safetensors checkpoints (vLLM, SGLang) share:
 * kernels by GPU architecture, loading from the hub or disk, tensor × pipeline layouts,
 * and how their Python argument parsers read a command line.
 */
import type { Gpu, Quantization } from '../catalog/schema.js';
import { ccAtLeast, safetensorsLoadUnsupported, safetensorsQuantUnsupported, tensorParallelLayouts } from './common.js';
import type { KvDtype } from './ids.js';
import type { Launch, LaunchInput } from './launch.js';
import type { EngineRelease } from './release.js';
import type { CliSyntax, Deployment, Engine, EngineFit, ModelVariant, ScaleLayout } from './types.js';
import type { EngineId } from './ids.js';
import type { Verdict } from './verdict.js';
import type { PerfConstants } from '../perf/model.js';

/** The interpreter of `python3 -m vllm…`/`python -m sglang…`: python3.11, or python$PYTHON_VERSION in scripts. */
export const PYTHON_PROGRAM = /(^|\/)python([0-9.]*|\$\w+)$/;

/** argparse with vLLM's FlexibleArgumentParser / SGLang's parser: `_` spellings, unique prefixes, `--opt=value`. */
export const PYTHON_SYNTAX: CliSyntax = {
  underscores: true,
  prefixes: true,
  equalsValue: true,
  humanReadableInts: false,
  attachedOptimizationLevel: false,
  dottedJsonKeys: false,
};

export interface SafetensorsEngineSpec<R extends EngineRelease> {
  id: EngineId;
  name: string;
  release: R;
  /** The release's KV dtypes, read from its flag set when first asked (plans with `auto` never ask). */
  kvDtypes: () => readonly KvDtype[];
  /** The oldest NVIDIA GPUs the engine's kernels are built for, and why. */
  minComputeCapability: { cc: string; why: string };
  onlineQuantizations: readonly string[];
  memoryFractionCeiling: { fraction: number; source: string };
  /** With `--dtype auto`, a 16-bit checkpoint in a dtype the GPU lacks is loaded in the first one it has (why, cited). */
  autoDtypeFallback?: string;
  fit(release: R, d: Deployment): EngineFit;
  /** The release's speed constants (the engine's perf.ts). */
  perf: PerfConstants;
  /** Its flags for data-parallel copies or ranks and expert parallel (Engine.scaleSettings). */
  scaleSettings(layout: ScaleLayout): Record<string, string | number | boolean>;
  /** Whether its files can copy a one-node deployment onto several nodes behind one endpoint (Engine.scaling.nodeReplicas). */
  nodeReplicas: boolean;
  /** The release's refusal of a model in this form, if it has one. */
  refusal?: (release: R, variant: ModelVariant) => Verdict | null;
  deployFiles(nodes: number): string[];
  launch(input: LaunchInput): Launch;
}

export function safetensorsEngine<R extends EngineRelease>(spec: SafetensorsEngineSpec<R>): Engine {
  const engine: Engine = {
    id: spec.id,
    name: spec.name,
    version: spec.release.version,
    release: spec.release,
    parallelism: 'tensor',
    images: spec.release.images,
    get kvDtypes() {
      return spec.kvDtypes();
    },
    onlineQuantizations: spec.onlineQuantizations,
    memoryFractionCeiling: spec.memoryFractionCeiling,
    autoDtypeFallback: spec.autoDtypeFallback ?? null,
    unsupported(quant: Quantization, gpu: Gpu) {
      if (quant.format !== 'safetensors' || !quant.engines.includes(spec.id)) return `${spec.name} does not serve ${quant.id}`;
      if (spec.release.images[gpu.vendor] === null) return `no ${gpu.vendor.toUpperCase()} image of ${spec.name} ${spec.release.version} is recorded (pick another --engine-version)`;
      if (gpu.vendor === 'nvidia' && !ccAtLeast(gpu, spec.minComputeCapability.cc)) return `${spec.name} needs compute capability ≥ ${spec.minComputeCapability.cc} (${spec.minComputeCapability.why})`;
      return safetensorsQuantUnsupported(quant, gpu, spec.name);
    },
    refusal: (variant: ModelVariant) => spec.refusal?.(spec.release, variant) ?? null,
    loadUnsupported: (variant: ModelVariant) => safetensorsLoadUnsupported(variant, engine),
    layouts: (arch, _gpu, gpuCount, nodes) => tensorParallelLayouts(arch, gpuCount, nodes),
    fit: (d) => spec.fit(spec.release, d),
    perf: spec.perf,
    scaleSettings: spec.scaleSettings,
    // Both serve several data-parallel ranks behind one API server and run MoE layers expert-parallel.
    scaling: { dataParallel: 'engine', expertParallel: true, nodeReplicas: spec.nodeReplicas },
    deployFiles: spec.deployFiles,
    launch: spec.launch,
  };
  return engine;
}
