/** Turns one engine fit into the plan shape of docs/ARCHITECTURE.md (pure). */
import { ccAtLeast, roundedPerGpu, wholeBytes } from '../engines/common.js';
import { modelLoads } from '../engines/model-support.js';
import type { Deployment, Engine, EngineFit } from '../engines/types.js';
import { costPerMillionTokens, estimatePerf, type PerfEstimate } from '../perf/roofline.js';
import type { Hardware } from './hardware.js';
import type { PlanCandidate } from './schema.js';

/** KV bytes all GPUs together read per token of context (replicated MLA/GQA heads read on every rank). */
function kvBytesReadPerToken(d: Deployment, fit: EngineFit): number {
  return fit.kv.perLayerPerTokenPerGpu * fit.kv.attentionLayers * d.tp;
}

/** The decode/prefill estimate of one deployment (numbers only; the formula text is built on demand). */
export function deploymentPerf(d: Deployment, fit: EngineFit): PerfEstimate {
  const { variant, gpu } = d;
  const { quant, params, arch } = variant;
  const onGpuWeights = Math.max(0, variant.layout.total - fit.hostWeightBytes - (fit.gpuLayers !== null ? variant.layout.embeddings : 0));
  return estimatePerf({
    arch,
    gpu,
    weightBytes: onGpuWeights,
    hostWeightBytes: fit.hostWeightBytes,
    totalParams: params.total,
    activeParams: params.active,
    routedExpertParams: params.groups.routedExperts,
    kvBytesPerToken: kvBytesReadPerToken(d, fit),
    context: d.context,
    concurrency: d.concurrency,
    tp: d.tp,
    pp: d.pp,
    fp8Compute: quant.nativeComputeCapability !== null && ccAtLeast(gpu, quant.nativeComputeCapability),
  });
}

export function toCandidate(engine: Engine, hw: Hardware, d: Deployment, fit: EngineFit, perf: PerfEstimate): PlanCandidate {
  const { variant, gpu } = d;
  const { quant, params, arch } = variant;
  const perGpu = { ...fit.perGpu, capacity: fit.perGpu.capacity ?? gpu.memoryBytes };
  return {
    engine: engine.id,
    engineName: engine.name,
    engineVersion: engine.version,
    model: {
      id: variant.model.id,
      name: variant.model.name,
      hfRepo: variant.model.hfRepo,
      params: params.total,
      activeParams: params.active,
      maxContext: arch.maxContext,
      loads: modelLoads(arch),
    },
    gpu: { id: gpu.id, name: gpu.name, vendor: gpu.vendor, memoryBytes: gpu.memoryBytes, pricePerHour: hw.costPerHour / hw.count },
    gpuCount: hw.count,
    nodes: hw.nodes,
    gpusPerNode: hw.count / hw.nodes,
    tensorParallel: d.tp,
    pipelineParallel: d.pp,
    replicas: 1,
    quantization: quant.id,
    quantizationName: quant.name,
    bits: quant.nominalBits,
    qualityRank: quant.qualityRank,
    weightsOrigin: variant.origin,
    artifact: variant.artifact ? { source: variant.artifact.source, format: variant.artifact.format, bytes: variant.artifact.bytes ?? null } : null,
    context: d.context,
    concurrency: d.concurrency,
    kvCacheDtype: d.kvDtype,
    memory: {
      perGpu: roundedPerGpu(fit, gpu.memoryBytes),
      headroomBytes: Math.floor(perGpu.capacity - perGpu.total),
      kvBytesPerToken: Math.round(fit.kv.perToken),
      stateBytesPerSequence: Math.round(fit.state?.perSequence ?? 0),
      kvCacheTokens: wholeBytes(fit.kvCacheTokens),
      maxConcurrency: Math.round(fit.maxConcurrency * 100) / 100,
      hostRamBytes: wholeBytes(fit.hostRamBytes),
      hostWeightBytes: wholeBytes(fit.hostWeightBytes),
      diskBytes: wholeBytes(fit.diskBytes),
      gpuLayers: fit.gpuLayers,
      terms: fit.terms.map((t) => ({ ...t, bytes: wholeBytes(t.bytes) })),
    },
    costPerHour: Math.round(hw.costPerHour * 1000) / 1000,
    perf: {
      decodeTokensPerSecond: round1(perf.decodeTokensPerSecond),
      aggregateTokensPerSecond: round1(perf.aggregateTokensPerSecond),
      prefillSecondsPer1kTokens: Math.round(perf.prefillSecondsPer1kTokens * 1e4) / 1e4,
      costPerMillionTokens: Math.round(costPerMillionTokens(hw.costPerHour, perf.aggregateTokensPerSecond) * 100) / 100,
      bound: perf.bound,
      formula: perf.formula,
    },
    settings: fit.settings,
    logLines: fit.logLines,
    notes: fit.notes,
    files: engine.deployFiles(hw.nodes),
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
