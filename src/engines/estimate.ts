/**
 * `gpuplan estimate --gpu G --engine E`: the generic estimate replaced by what the
 * engine itself will allocate on each GPU (DESIGN.md: for vLLM `capacity` is
 * gpu_memory_utilization × memory and `kvCacheTokens` the pool it logs; for
 * Ollama/llama.cpp `total` is the real footprint).
 */
import type { Architecture } from '../catalog/architecture.js';
import type { ModelSpec } from '../catalog/model.js';
import type { Artifact, Gpu, Quantization } from '../catalog/schema.js';
import type { Estimate } from '../memory/estimate.js';
import type { KvDtype } from '../memory/kvcache.js';
import { countParams } from '../memory/params.js';
import { roundedPerGpu, wholeBytes } from './common.js';
import type { Engine } from './types.js';
import { modelVariant, sixteenBitCheckpoint } from './variant.js';

export interface EngineEstimateInput {
  base: Estimate;
  engine: Engine;
  model: ModelSpec & { architecture: Architecture };
  quant: Quantization;
  artifact: Artifact | null;
  gpu: Gpu;
  tp: number;
  pp: number;
  kvDtype: KvDtype;
  memoryFraction: number | null;
}

/** The engine's view of one configuration; `fits: false` with the engine's reason when it cannot run or will not start. */
export function engineEstimate(i: EngineEstimateInput): Estimate {
  const arch = i.model.architecture;
  const params = countParams(arch);
  const online = !i.artifact && i.engine.onlineQuantizations.includes(i.quant.id);
  const variant = online
    ? modelVariant(i.model, arch, params, i.quant, sixteenBitCheckpoint(i.model), 'online')
    : modelVariant(i.model, arch, params, i.quant, i.artifact, 'artifact');
  const gpuCount = i.tp * i.pp;
  const nodes = Math.ceil(gpuCount / i.gpu.maxPerNode);
  const cannot = i.engine.unsupported(i.quant, i.gpu, variant) ?? i.engine.loadUnsupported(variant);
  const layouts = cannot ? cannot : i.engine.layouts(arch, i.gpu, gpuCount, nodes);
  const layoutProblem =
    typeof layouts === 'string'
      ? layouts
      : i.engine.id === 'vllm' || i.engine.id === 'sglang'
        ? layouts.some((l) => l.tp === i.tp && l.pp === i.pp)
          ? null
          : `${i.engine.name} cannot run TP ${i.tp} × PP ${i.pp} on ${gpuCount} × ${i.gpu.id} over ${nodes} node(s)`
        : null;
  if (layoutProblem) {
    return { ...i.base, fits: false, notes: [`${i.engine.name}: ${layoutProblem}`, ...i.base.notes] };
  }
  const fit = i.engine.fit({
    variant,
    gpu: i.gpu,
    gpuCount,
    nodes,
    tp: i.tp,
    pp: i.pp,
    context: i.base.context,
    concurrency: i.base.concurrency,
    kvDtype: i.kvDtype,
    memoryFraction: i.memoryFraction,
    cpuOffload: false,
  });
  return {
    ...i.base,
    perGpu: roundedPerGpu(fit, i.gpu.memoryBytes),
    kvCacheTokens: wholeBytes(fit.kvCacheTokens),
    fits: fit.fits,
    terms: fit.terms.map((t) => ({ ...t, bytes: wholeBytes(t.bytes) })),
    notes: [
      ...(fit.reason ? [`${i.engine.name} will not start: ${fit.reason}`] : []),
      ...fit.logLines.map((l) => `${i.engine.name} ${i.engine.version} should log: ${l}`),
      ...fit.notes,
    ],
  };
}
