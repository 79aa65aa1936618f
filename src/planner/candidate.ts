/** Turns one engine fit into the plan shape of docs/ARCHITECTURE.md (pure). */
import { roundedPerGpu, wholeBytes } from '../engines/common.js';
import { modelLoads } from '../engines/model-support.js';
import type { Deployment, Engine, EngineFit } from '../engines/types.js';
import type { Hardware } from './hardware.js';
import type { LoadResult, LoadTarget } from './load.js';
import type { PlanCandidate } from './schema.js';
import type { InstanceOption } from './search.js';

/** Dollars per million output tokens at a deployment's output rate. */
export function costPerMillionTokens(costPerHour: number, outputTokensPerSecond: number): number {
  return outputTokensPerSecond > 0 ? costPerHour / ((outputTokensPerSecond * 3600) / 1e6) : Number.POSITIVE_INFINITY;
}

export function toCandidate(engine: Engine, hw: Hardware, d: Deployment, fit: EngineFit, instance: InstanceOption, load: LoadResult, target: LoadTarget, why: string[]): PlanCandidate {
  const perf = load.perf;
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
    replicas: instance.copies,
    dataParallel: instance.layout.dp,
    expertParallel: instance.layout.expertParallel,
    nodeReplicas: instance.nodeReplicas,
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
      batch: load.batch,
      ttftSeconds: round4(perf.ttftSeconds),
      tpotSeconds: round4(perf.tpotSeconds),
      perSequenceTokensPerSecond: round1(perf.perSequenceTokensPerSecond),
      outputTokensPerSecond: round1(load.outputTokensPerSecond),
      costPerMillionTokens: Math.round(costPerMillionTokens(hw.costPerHour, load.outputTokensPerSecond) * 100) / 100,
      bound: perf.bound,
      formula: perf.formula,
    },
    load: {
      target: target.kind,
      inputLen: target.inputLen,
      outputLen: target.outputLen,
      requestsPerSecond: Math.round(load.requestsPerSecond * 1000) / 1000,
      users: target.users,
      tpotLimitMs: target.tpotSeconds === null ? null : target.tpotSeconds * 1e3,
      ttftLimitMs: target.ttftSeconds === null ? null : target.ttftSeconds * 1e3,
      capacityRequestsPerSecond: Math.round(load.capacityRequestsPerSecond * 1000) / 1000,
      why,
    }, // The engine's flags for data-parallel copies or ranks and expert parallel, over the rank's own settings.
    settings: {
      ...fit.settings,
      ...engine.scaleSettings({
        tp: d.tp,
        dp: instance.layout.dp,
        // One node's settings: every node runs the same deployment.
        copies: engine.scaling.dataParallel === 'engine' ? instance.copies / instance.nodeReplicas : 1,
        expertParallel: instance.layout.expertParallel,
      }),
    },
    logLines: fit.logLines,
    notes: [...loadNotes(target, perf), ...fit.notes],
    // Replicas of a server that splits no further run behind a load balancer, configured by its own file.
    files: instance.copies > 1 && engine.scaling.dataParallel === 'replicas' ? withLoadBalancer(engine.deployFiles(hw.nodes)) : engine.deployFiles(hw.nodes),
  };
}

/** A reading speed users notice: 10 tokens/s (100 ms per token) is about what a person reads. */
const SLOW_TPOT_SECONDS = 0.1;

/** Under load without a TPOT limit, a slow stream is worth saying: the target was met, but each user waits. */
function loadNotes(target: LoadTarget, perf: LoadResult['perf']): string[] {
  if (target.kind === 'one-user' || target.tpotSeconds !== null || perf.tpotSeconds <= SLOW_TPOT_SECONDS) return [];
  return [
    `At this load each request streams at ${(1 / perf.tpotSeconds).toFixed(1)} tokens/s (TPOT ${(perf.tpotSeconds * 1e3).toFixed(0)} ms), slower than people read; give --tpot-ms to plan for a faster stream.`,
  ];
}

/** The load balancer's configuration beside replicas' compose file (render/render.ts writes it). */
export const LOAD_BALANCER_FILE = 'nginx.conf';

/** The balancer's file goes before PLAN.md and plan.json, which come last. */
function withLoadBalancer(files: string[]): string[] {
  const plan = files.indexOf('PLAN.md');
  return plan < 0 ? [...files, LOAD_BALANCER_FILE] : [...files.slice(0, plan), LOAD_BALANCER_FILE, ...files.slice(plan)];
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function round4(n: number): number {
  return Math.round(n * 1e4) / 1e4;
}
