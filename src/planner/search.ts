/**
 * The search: every hardware shape the budget allows × every variant of the
 * model × every engine × every parallel layout the engine allows. Pure: the
 * catalog, model and budget come in resolved.
 */
import type { Architecture } from '../catalog/architecture.js';
import { gib, runnableLayouts } from '../engines/common.js';
import type { Deployment, Engine, EngineFit, KvDtype, ModelVariant } from '../engines/types.js';
import { cannotRun, fits, type Verdict } from '../engines/verdict.js';
import type { PerfEstimate } from '../perf/roofline.js';
import { deploymentPerf, toCandidate } from './candidate.js';
import type { Hardware } from './hardware.js';
import type { PlanCandidate, Rejected } from './schema.js';

export interface SearchInput {
  /** How many of the best feasible candidates to return in full. */
  keep: number;
  arch: Architecture;
  hardware: readonly Hardware[];
  variants: readonly ModelVariant[];
  engines: readonly Engine[];
  context: number;
  concurrency: number;
  kvDtype: KvDtype;
  memoryFraction: number | null;
  cpuOffload: boolean;
}

export interface SearchResult {
  /** The best `keep` feasible candidates, best first: one per hardware × variant × engine (its best layout). */
  feasible: PlanCandidate[];
  /** How many feasible candidates there were in all. */
  feasibleCount: number;
  /** One entry per hardware × variant that no engine could run, with the most telling reason. */
  rejected: Rejected[];
  /** Hardware × weights × engine × layout configurations considered, including those ruled out before an engine's memory model ran. */
  configurations: number;
  /** Of those, how many went through an engine's memory model. */
  fitted: number;
}

/** Headroom is compared in steps of this share of capacity, so that speed decides between near-equal ones. */
const HEADROOM_STEP = 0.05;

/** A feasible deployment, with what ranking needs; turned into a PlanCandidate only if it is kept. */
interface Scored {
  engine: Engine;
  engineRank: number;
  hw: Hardware;
  deployment: Deployment;
  fit: EngineFit;
  perf: PerfEstimate;
  headroomSteps: number;
}

/**
 * Ollama runs its own library tag (`ollama run llama3.1:8b`) and Hugging Face GGUFs alike: at
 * equal quality the tag comes first, the name its users know. Without this the choice between
 * a tag and a file of the same quantization would fall to their rounded sizes' headroom and speed.
 */
function nonNativeSource(s: Scored): number {
  const native = s.engine.nativeSource;
  return native !== undefined && !s.deployment.variant.artifact?.source.startsWith(native) ? 1 : 0;
}

/** Ranking (docs/ARCHITECTURE.md, "Planner"): cheaper, then more bits of quality, then an engine's own source (Ollama's tags), then more headroom, then faster; engine order last. */
function compareScored(a: Scored, b: Scored): number {
  return (
    a.hw.costPerHour - b.hw.costPerHour ||
    b.deployment.variant.quant.qualityRank - a.deployment.variant.quant.qualityRank ||
    nonNativeSource(a) - nonNativeSource(b) ||
    b.headroomSteps - a.headroomSteps ||
    b.perf.aggregateTokensPerSecond - a.perf.aggregateTokensPerSecond ||
    a.engineRank - b.engineRank
  );
}

/**
 * Room left for more requests, as a share of the GPU, so engines with different budgets
 * compare fairly: what the KV pool holds beyond the requests asked (vLLM, SGLang allocate
 * the whole pool up front), or the memory left free (llama.cpp, Ollama size KV exactly).
 */
function headroomSteps(engine: Engine, fit: EngineFit, gpuMemory: number): number {
  const spare = engine.parallelism === 'tensor' ? fit.availableKvBytes - fit.perGpu.kvCache : gpuMemory - fit.perGpu.total;
  return Math.floor(spare / gpuMemory / HEADROOM_STEP);
}

/** A rejection of one hardware × variant, before it is known whether another engine or layout fits. */
function rejection(hw: Hardware, variant: ModelVariant, engine: Engine | null, layout: { tp: number; pp: number } | null, verdict: Verdict, shortfallBytes: number | null = null): Rejected {
  return {
    gpu: hw.gpu.id,
    gpuCount: hw.count,
    nodes: hw.nodes,
    quantization: variant.quant.id,
    engine: engine?.id ?? null,
    engineVersion: engine?.version ?? null,
    // Engines that split whole layers have no tensor/pipeline degrees to report.
    tensorParallel: engine?.parallelism === 'tensor' ? (layout?.tp ?? null) : null,
    pipelineParallel: engine?.parallelism === 'tensor' ? (layout?.pp ?? null) : null,
    costPerHour: Math.round(hw.costPerHour * 1000) / 1000,
    qualityRank: variant.quant.qualityRank,
    verdict,
    shortfallBytes: shortfallBytes === null ? null : Math.ceil(shortfallBytes),
  };
}

/**
 * Memory verdicts say most about why a cheaper option failed, and the nearest miss (least memory
 * lacking) most of those; "this engine cannot run it" says least.
 */
function mostTelling(attempts: readonly Rejected[]): Rejected | undefined {
  const memory = attempts.filter((a) => a.verdict.status !== 'cannot-run');
  if (memory.length === 0) return attempts[0];
  return memory.reduce((best, a) => ((a.shortfallBytes ?? Number.POSITIVE_INFINITY) < (best.shortfallBytes ?? Number.POSITIVE_INFINITY) ? a : best));
}

export function search(input: SearchInput): SearchResult {
  const scored: Scored[] = [];
  const rejected: Rejected[] = [];
  let configurations = 0;
  let modelled = 0;
  for (const hw of input.hardware) {
    const totalMemory = hw.count * hw.gpu.memoryBytes;
    for (const variant of input.variants) {
      // Weights alone larger than all the GPUs' memory: no engine or layout can help (offload aside).
      if (!input.cpuOffload && variant.layout.total > totalMemory) {
        configurations++;
        const message = `${variant.quant.id} weights alone are ${gib(variant.layout.total)}; ${hw.count} × ${hw.gpu.id} hold ${gib(totalMemory)}`;
        rejected.push(rejection(hw, variant, null, null, cannotRun('weights-exceed-memory', message), (variant.layout.total - totalMemory) / hw.count));
        continue;
      }
      const attempts: Rejected[] = [];
      let fitted = false;
      input.engines.forEach((engine, engineRank) => {
        // Every release takes `auto`; asking for the list reads the release's flag set.
        if (input.kvDtype !== 'auto' && !engine.kvDtypes.includes(input.kvDtype)) {
          configurations++;
          const message = `${engine.name} ${engine.version} has no KV cache dtype ${input.kvDtype} (it takes ${engine.kvDtypes.join(', ')})`;
          attempts.push(rejection(hw, variant, engine, null, cannotRun('kv-dtype-unsupported', message)));
          return;
        }
        const layouts = runnableLayouts(engine, variant, hw.gpu, hw.count, hw.nodes);
        if (!Array.isArray(layouts)) {
          configurations++;
          attempts.push(rejection(hw, variant, engine, null, layouts));
          return;
        }
        let best: Scored | null = null;
        for (const layout of layouts) {
          configurations++;
          modelled++;
          const deployment: Deployment = {
            variant,
            gpu: hw.gpu,
            gpuCount: hw.count,
            nodes: hw.nodes,
            tp: layout.tp,
            pp: layout.pp,
            context: input.context,
            concurrency: input.concurrency,
            kvDtype: input.kvDtype,
            memoryFraction: input.memoryFraction,
            cpuOffload: input.cpuOffload,
          };
          const fit = engine.fit(deployment);
          if (!fits(fit.verdict)) {
            attempts.push(rejection(hw, variant, engine, layout, fit.verdict, fit.shortfallBytes));
            continue;
          }
          const perf = deploymentPerf(deployment, fit);
          // Among layouts of one engine on the same GPUs, the fastest that fits (TP before PP).
          if (!best || perf.aggregateTokensPerSecond > best.perf.aggregateTokensPerSecond) {
            best = { engine, engineRank, hw, deployment, fit, perf, headroomSteps: headroomSteps(engine, fit, hw.gpu.memoryBytes) };
          }
        }
        if (best) {
          scored.push(best);
          fitted = true;
        }
      });
      const telling = mostTelling(attempts);
      if (!fitted && telling) rejected.push(telling);
    }
  }
  scored.sort(compareScored);
  rejected.sort((a, b) => a.costPerHour - b.costPerHour || b.qualityRank - a.qualityRank);
  const feasible = scored.slice(0, input.keep).map((s) => toCandidate(s.engine, s.hw, s.deployment, s.fit, s.perf));
  return { feasible, feasibleCount: scored.length, rejected, configurations, fitted: modelled };
}
