/** One-line descriptions of plan candidates, shared by the CLI's text output and PLAN.md (pure). */
import { formatGiB } from '../memory/units.js';
import type { PlanCandidate, Rejected } from './schema.js';

export function money(n: number): string {
  return `$${n.toFixed(2)}`;
}

/** `tp8 pp2` for engines that shard heads; nothing for engines that split whole layers (their layout is the GPU count). */
function parallelTag(c: { gpuLayers: number | null; tensorParallel: number | null; pipelineParallel: number | null }): string {
  if (c.gpuLayers !== null || c.tensorParallel === null) return '';
  return ` tp${c.tensorParallel}${(c.pipelineParallel ?? 1) > 1 ? ` pp${c.pipelineParallel}` : ''}`;
}

/** How the GPUs are used: `DP 8 × TP 1, expert parallel`, `2 copies of TP 1 × PP 1`, `layers split over 2 GPU(s)`. */
function layoutOf(c: PlanCandidate): string {
  const perCopy = c.gpuCount / c.replicas;
  const server =
    c.memory.gpuLayers === null
      ? `${c.dataParallel > 1 ? `DP ${c.dataParallel} × ` : ''}TP ${c.tensorParallel} × PP ${c.pipelineParallel}${c.expertParallel ? ', expert parallel' : ''}`
      : `layers split over ${perCopy} GPU(s), ${c.memory.gpuLayers} on GPU`;
  if (c.nodeReplicas > 1) return `${c.replicas} copies of ${server}, ${c.replicas / c.nodeReplicas} on each of ${c.nodeReplicas} nodes, one endpoint through lws.yaml`;
  return c.replicas > 1 ? `${c.replicas} copies of ${server}, one endpoint` : server;
}

export function describeHardware(c: PlanCandidate): string {
  const nodes = c.nodes > 1 ? ` over ${c.nodes} nodes` : '';
  return `${c.gpuCount} × ${c.gpu.name} (${c.gpu.id})${nodes} · ${c.engineName} ${c.engineVersion} · ${layoutOf(c)}`;
}

export function describeWeights(c: PlanCandidate): string {
  const from = c.weightsOrigin === 'online' ? `quantized at load from ${c.artifact?.source}` : `from ${c.artifact?.source}`;
  return `${c.quantizationName} (${c.bits} bits, quality ${c.qualityRank}/100) ${from}`;
}

export function describeCandidate(c: PlanCandidate): string {
  const scale = `${c.replicas > 1 ? ` ×${c.replicas}` : ''}${c.dataParallel > 1 ? ` dp${c.dataParallel}` : ''}${c.expertParallel ? ' ep' : ''}`;
  const tag = parallelTag({ gpuLayers: c.memory.gpuLayers, tensorParallel: c.tensorParallel, pipelineParallel: c.pipelineParallel }) + scale;
  return `${c.gpuCount} × ${c.gpu.id} · ${c.quantization} · ${c.engine}${tag} · ${money(c.costPerHour)}/h · ~${c.perf.perSequenceTokensPerSecond} tok/s per request · headroom ${formatGiB(c.memory.headroomBytes)}`;
}

/** The hardware of a rejection: `8xa100-40g` (nodes included when several). */
/** `8xa100-40g`, or `2x8xh100-sxm` over several nodes: the budget shape of `gpuCount` GPUs over `nodes`. */
export function hardwareShape(gpuId: string, gpuCount: number, nodes: number): string {
  return nodes > 1 ? `${nodes}x${gpuCount / nodes}x${gpuId}` : `${gpuCount}x${gpuId}`;
}

function hardwareOf(r: Rejected): string {
  return hardwareShape(r.gpu, r.gpuCount, r.nodes);
}

/** A rejection's label: `8xa100-80g awq-int4 vllm tp8` (`any` engine when the weights alone did not fit). */
export function rejectedLabel(r: Rejected): string {
  const tag = parallelTag({ gpuLayers: null, tensorParallel: r.tensorParallel, pipelineParallel: r.pipelineParallel });
  return `${hardwareOf(r)} ${r.quantization} ${r.engine ?? 'any'}${tag}`;
}

/**
 * One line per hardware shape: the smallest quantization tried there (if even
 * that failed, the larger ones did too), plus, on the winner's own price, the
 * better-quality options that did not fit. The most expensive shapes come last,
 * nearest the winner.
 */
export function closestPerHardware(rejected: readonly Rejected[], winner: PlanCandidate | null): Rejected[] {
  const byHardware = new Map<string, Rejected>();
  const better: Rejected[] = [];
  for (const x of rejected) {
    if (winner && Math.abs(x.costPerHour - winner.costPerHour) < 1e-9) {
      better.push(x);
      continue;
    }
    const key = hardwareOf(x);
    const kept = byHardware.get(key);
    if (!kept || x.qualityRank < kept.qualityRank) byHardware.set(key, x);
  }
  return [...byHardware.values(), ...better];
}

/** TPOT, TTFT and throughput at the planned load. */
export function describeSpeed(c: PlanCandidate): string {
  const p = c.perf;
  const batch = p.batch > 1 ? ` with ${p.batch} requests in flight${c.replicas > 1 ? ' per copy' : ''}` : ' for one request';
  return `TPOT ~${(p.tpotSeconds * 1e3).toFixed(1)} ms (${p.perSequenceTokensPerSecond} tokens/s per request), TTFT ~${formatSeconds(p.ttftSeconds)}${batch} · ~${p.outputTokensPerSecond} output tokens/s in all · ${money(p.costPerMillionTokens)} per 1M output tokens`;
}

function formatSeconds(s: number): string {
  return s < 1 ? `${(s * 1e3).toFixed(0)} ms` : `${s.toFixed(2)} s`;
}
